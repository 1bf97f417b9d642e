/* A user program linking the installed libakt. */
#include <akt/akt.h>
#include <stdio.h>

int
main(void)
{
    akt_registry *reg;
    if (akt_registry_new(&reg) != AKT_OK) {
        return 1;
    }
    akt_registry_free(reg);
    printf("consumer ok: %s\n", akt_strerror(AKT_OK));
    return 0;
}
