#include "kitutil.h"
int main(void){return 0;}
