/*
 * record.c -- encode and decode journal/snapshot records (record.h has the
 * layout). The decoder takes untrusted bytes (a damaged journal): every
 * length is checked against what is left before it is used.
 */
#include <pthread.h>
#include <string.h>

#include "persist/record.h"

static const uint32_t crc_tab[256] = {
    0x00000000u,
    0x77073096u,
    0xee0e612cu,
    0x990951bau,
    0x076dc419u,
    0x706af48fu,
    0xe963a535u,
    0x9e6495a3u,
    0x0edb8832u,
    0x79dcb8a4u,
    0xe0d5e91eu,
    0x97d2d988u,
    0x09b64c2bu,
    0x7eb17cbdu,
    0xe7b82d07u,
    0x90bf1d91u,
    0x1db71064u,
    0x6ab020f2u,
    0xf3b97148u,
    0x84be41deu,
    0x1adad47du,
    0x6ddde4ebu,
    0xf4d4b551u,
    0x83d385c7u,
    0x136c9856u,
    0x646ba8c0u,
    0xfd62f97au,
    0x8a65c9ecu,
    0x14015c4fu,
    0x63066cd9u,
    0xfa0f3d63u,
    0x8d080df5u,
    0x3b6e20c8u,
    0x4c69105eu,
    0xd56041e4u,
    0xa2677172u,
    0x3c03e4d1u,
    0x4b04d447u,
    0xd20d85fdu,
    0xa50ab56bu,
    0x35b5a8fau,
    0x42b2986cu,
    0xdbbbc9d6u,
    0xacbcf940u,
    0x32d86ce3u,
    0x45df5c75u,
    0xdcd60dcfu,
    0xabd13d59u,
    0x26d930acu,
    0x51de003au,
    0xc8d75180u,
    0xbfd06116u,
    0x21b4f4b5u,
    0x56b3c423u,
    0xcfba9599u,
    0xb8bda50fu,
    0x2802b89eu,
    0x5f058808u,
    0xc60cd9b2u,
    0xb10be924u,
    0x2f6f7c87u,
    0x58684c11u,
    0xc1611dabu,
    0xb6662d3du,
    0x76dc4190u,
    0x01db7106u,
    0x98d220bcu,
    0xefd5102au,
    0x71b18589u,
    0x06b6b51fu,
    0x9fbfe4a5u,
    0xe8b8d433u,
    0x7807c9a2u,
    0x0f00f934u,
    0x9609a88eu,
    0xe10e9818u,
    0x7f6a0dbbu,
    0x086d3d2du,
    0x91646c97u,
    0xe6635c01u,
    0x6b6b51f4u,
    0x1c6c6162u,
    0x856530d8u,
    0xf262004eu,
    0x6c0695edu,
    0x1b01a57bu,
    0x8208f4c1u,
    0xf50fc457u,
    0x65b0d9c6u,
    0x12b7e950u,
    0x8bbeb8eau,
    0xfcb9887cu,
    0x62dd1ddfu,
    0x15da2d49u,
    0x8cd37cf3u,
    0xfbd44c65u,
    0x4db26158u,
    0x3ab551ceu,
    0xa3bc0074u,
    0xd4bb30e2u,
    0x4adfa541u,
    0x3dd895d7u,
    0xa4d1c46du,
    0xd3d6f4fbu,
    0x4369e96au,
    0x346ed9fcu,
    0xad678846u,
    0xda60b8d0u,
    0x44042d73u,
    0x33031de5u,
    0xaa0a4c5fu,
    0xdd0d7cc9u,
    0x5005713cu,
    0x270241aau,
    0xbe0b1010u,
    0xc90c2086u,
    0x5768b525u,
    0x206f85b3u,
    0xb966d409u,
    0xce61e49fu,
    0x5edef90eu,
    0x29d9c998u,
    0xb0d09822u,
    0xc7d7a8b4u,
    0x59b33d17u,
    0x2eb40d81u,
    0xb7bd5c3bu,
    0xc0ba6cadu,
    0xedb88320u,
    0x9abfb3b6u,
    0x03b6e20cu,
    0x74b1d29au,
    0xead54739u,
    0x9dd277afu,
    0x04db2615u,
    0x73dc1683u,
    0xe3630b12u,
    0x94643b84u,
    0x0d6d6a3eu,
    0x7a6a5aa8u,
    0xe40ecf0bu,
    0x9309ff9du,
    0x0a00ae27u,
    0x7d079eb1u,
    0xf00f9344u,
    0x8708a3d2u,
    0x1e01f268u,
    0x6906c2feu,
    0xf762575du,
    0x806567cbu,
    0x196c3671u,
    0x6e6b06e7u,
    0xfed41b76u,
    0x89d32be0u,
    0x10da7a5au,
    0x67dd4accu,
    0xf9b9df6fu,
    0x8ebeeff9u,
    0x17b7be43u,
    0x60b08ed5u,
    0xd6d6a3e8u,
    0xa1d1937eu,
    0x38d8c2c4u,
    0x4fdff252u,
    0xd1bb67f1u,
    0xa6bc5767u,
    0x3fb506ddu,
    0x48b2364bu,
    0xd80d2bdau,
    0xaf0a1b4cu,
    0x36034af6u,
    0x41047a60u,
    0xdf60efc3u,
    0xa867df55u,
    0x316e8eefu,
    0x4669be79u,
    0xcb61b38cu,
    0xbc66831au,
    0x256fd2a0u,
    0x5268e236u,
    0xcc0c7795u,
    0xbb0b4703u,
    0x220216b9u,
    0x5505262fu,
    0xc5ba3bbeu,
    0xb2bd0b28u,
    0x2bb45a92u,
    0x5cb36a04u,
    0xc2d7ffa7u,
    0xb5d0cf31u,
    0x2cd99e8bu,
    0x5bdeae1du,
    0x9b64c2b0u,
    0xec63f226u,
    0x756aa39cu,
    0x026d930au,
    0x9c0906a9u,
    0xeb0e363fu,
    0x72076785u,
    0x05005713u,
    0x95bf4a82u,
    0xe2b87a14u,
    0x7bb12baeu,
    0x0cb61b38u,
    0x92d28e9bu,
    0xe5d5be0du,
    0x7cdcefb7u,
    0x0bdbdf21u,
    0x86d3d2d4u,
    0xf1d4e242u,
    0x68ddb3f8u,
    0x1fda836eu,
    0x81be16cdu,
    0xf6b9265bu,
    0x6fb077e1u,
    0x18b74777u,
    0x88085ae6u,
    0xff0f6a70u,
    0x66063bcau,
    0x11010b5cu,
    0x8f659effu,
    0xf862ae69u,
    0x616bffd3u,
    0x166ccf45u,
    0xa00ae278u,
    0xd70dd2eeu,
    0x4e048354u,
    0x3903b3c2u,
    0xa7672661u,
    0xd06016f7u,
    0x4969474du,
    0x3e6e77dbu,
    0xaed16a4au,
    0xd9d65adcu,
    0x40df0b66u,
    0x37d83bf0u,
    0xa9bcae53u,
    0xdebb9ec5u,
    0x47b2cf7fu,
    0x30b5ffe9u,
    0xbdbdf21cu,
    0xcabac28au,
    0x53b39330u,
    0x24b4a3a6u,
    0xbad03605u,
    0xcdd70693u,
    0x54de5729u,
    0x23d967bfu,
    0xb3667a2eu,
    0xc4614ab8u,
    0x5d681b02u,
    0x2a6f2b94u,
    0xb40bbe37u,
    0xc30c8ea1u,
    0x5a05df1bu,
    0x2d02ef8du,
};

/* slicing-by-8 (the same CRC, 8 bytes per step): tab8[k][i] is the CRC of
 * byte i followed by k zero bytes; built once from crc_tab */
static uint32_t tab8[8][256];
static pthread_once_t tab8_once = PTHREAD_ONCE_INIT;

static void
tab8_init(void)
{
    for (int i = 0; i < 256; i++) {
        uint32_t c = crc_tab[i];
        tab8[0][i] = c;
        for (int k = 1; k < 8; k++) {
            c = crc_tab[c & 0xff] ^ (c >> 8);
            tab8[k][i] = c;
        }
    }
}

uint32_t
akti_crc32(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    pthread_once(&tab8_once, tab8_init);
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = crc
            ^ ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16
                | (uint32_t)b[3] << 24);
        uint32_t hi = (uint32_t)b[4] | (uint32_t)b[5] << 8
            | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        crc = tab8[7][lo & 0xff] ^ tab8[6][(lo >> 8) & 0xff]
            ^ tab8[5][(lo >> 16) & 0xff] ^ tab8[4][lo >> 24]
            ^ tab8[3][hi & 0xff] ^ tab8[2][(hi >> 8) & 0xff]
            ^ tab8[1][(hi >> 16) & 0xff] ^ tab8[0][hi >> 24];
        b += 8;
        n -= 8;
    }
    while (n--) {
        crc = crc_tab[(crc ^ *b++) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

size_t
akti_prec_size(const akt_prepr *ev)
{
    size_t n = (ev->writer ? AKTI_PREC_HDR2 : AKTI_PREC_HDR) + ev->len + 4;
    for (size_t i = 0; i < ev->ntags; i++) {
        n += 2 + strlen(ev->tags[i]);
    }
    return n;
}

void
akti_prec_encode(const akt_prepr *ev, uint8_t *out)
{
    uint8_t *p = out;
    p[0] = 'E';
    p[1] = ev->writer ? 2 : 1; /* version 1: no writer id (none known) */
    p[2] = (uint8_t)ev->ntags;
    p[3] = 0;
    akti_be64_put(p + 4, ev->type_id);
    akti_be64_put(p + 12, (uint64_t)ev->timestamp_ms);
    akti_be64_put(p + 20, ev->gseq);
    p += 28;
    akti_be32_put(p, (uint32_t)ev->len);
    p += 4;
    if (ev->writer) {
        akti_be64_put(p, ev->writer);
        p += 8;
    }
    for (size_t i = 0; i < ev->ntags; i++) {
        size_t l = strlen(ev->tags[i]);
        *p++ = (uint8_t)l;
        memcpy(p, ev->tags[i], l);
        p += l;
        *p++ = 0;
    }
    if (ev->len) {
        memcpy(p, ev->data, ev->len);
    }
    p += ev->len;
    akti_be32_put(p, akti_crc32(0, out, (size_t)(p - out)));
}

void
akti_prec_set_gseq(uint8_t *rec, size_t len, uint64_t gseq)
{
    akti_be64_put(rec + 20, gseq);
    akti_be32_put(rec + len - 4, akti_crc32(0, rec, len - 4));
}

akt_err
akti_prec_decode(const uint8_t *p, size_t n, akt_prepr *ev, const char **tagv)
{
    if (n < AKTI_PREC_HDR + 4 || p[0] != 'E' || (p[1] != 1 && p[1] != 2)
        || p[3] != 0 || p[2] > AKT_PERSIST_MAX_TAGS) {
        return AKT_EPROTO;
    }
    size_t hdr = p[1] == 2 ? AKTI_PREC_HDR2 : AKTI_PREC_HDR;
    if (n < hdr + 4) {
        return AKT_EPROTO;
    }
    if (akti_be32_get(p + n - 4) != akti_crc32(0, p, n - 4)) {
        return AKT_EPROTO;
    }
    size_t ntags = p[2];
    ev->type_id = akti_be64_get(p + 4);
    ev->timestamp_ms = (int64_t)akti_be64_get(p + 12);
    ev->gseq = akti_be64_get(p + 20);
    size_t plen = akti_be32_get(p + 28);
    ev->writer = hdr == AKTI_PREC_HDR2 ? akti_be64_get(p + 32) : 0;
    if (hdr == AKTI_PREC_HDR2 && ev->writer == 0) {
        return AKT_EPROTO; /* version 2 is written only with a writer */
    }
    const uint8_t *q = p + hdr, *end = p + n - 4;
    for (size_t i = 0; i < ntags; i++) {
        if (end - q < 2) {
            return AKT_EPROTO;
        }
        size_t l = *q++;
        if ((size_t)(end - q) < l + 1 || q[l] != 0 || memchr(q, 0, l)) {
            return AKT_EPROTO;
        }
        tagv[i] = (const char *)q;
        q += l + 1;
    }
    if ((size_t)(end - q) != plen) {
        return AKT_EPROTO;
    }
    ev->tags = tagv;
    ev->ntags = ntags;
    ev->data = q;
    ev->len = plen;
    return AKT_OK;
}

size_t
akti_psnap_size(size_t payload)
{
    return AKTI_PSNAP_HDR + payload + 4;
}

void
akti_psnap_encode(const akt_snapshot_blob *b, int64_t ts, uint8_t *out)
{
    out[0] = 'S';
    out[1] = 1;
    out[2] = out[3] = 0;
    akti_be64_put(out + 4, b->type_id);
    akti_be64_put(out + 12, (uint64_t)ts);
    akti_be32_put(out + 20, (uint32_t)b->len);
    if (b->len) {
        memcpy(out + AKTI_PSNAP_HDR, b->data, b->len);
    }
    size_t n = AKTI_PSNAP_HDR + b->len;
    akti_be32_put(out + n, akti_crc32(0, out, n));
}

akt_err
akti_psnap_decode(const uint8_t *p, size_t n, akt_snapshot_blob *b, int64_t *ts)
{
    if (n < AKTI_PSNAP_HDR + 4 || p[0] != 'S' || p[1] != 1 || p[2] || p[3]) {
        return AKT_EPROTO;
    }
    size_t plen = akti_be32_get(p + 20);
    if (plen != n - AKTI_PSNAP_HDR - 4
        || akti_be32_get(p + n - 4) != akti_crc32(0, p, n - 4)) {
        return AKT_EPROTO;
    }
    b->type_id = akti_be64_get(p + 4);
    *ts = (int64_t)akti_be64_get(p + 12);
    b->data = p + AKTI_PSNAP_HDR;
    b->len = plen;
    return AKT_OK;
}

akt_err
akti_dsnap_parse(
    const uint8_t *p, size_t n, uint64_t *next_id, akti_dsnap_fn fn, void *arg)
{
    if (n < 20 || p[0] != 'D' || p[1] != 1 || p[2] != 0 || p[3] != 0) {
        return AKT_EPROTO;
    }
    if (akti_crc32(0, p, n - 4) != akti_be32_get(p + n - 4)) {
        return AKT_EPROTO;
    }
    size_t end = n - 4, off = 16;
    uint32_t count = akti_be32_get(p + 12);
    /* first pass: the layout holds together; nothing is handed over from
     * a damaged snapshot */
    for (int pass = 0; pass < 2; pass++) {
        off = 16;
        for (uint32_t i = 0; i < count; i++) {
            if (end - off < 10) {
                return AKT_EPROTO;
            }
            uint64_t id = akti_be64_get(p + off);
            size_t plen = (size_t)p[off + 8] << 8 | p[off + 9];
            off += 10;
            if (end - off < plen || end - off - plen < 12) {
                return AKT_EPROTO;
            }
            const char *path = (const char *)p + off;
            off += plen;
            uint64_t type_id = akti_be64_get(p + off);
            size_t len = akti_be32_get(p + off + 8);
            off += 12;
            if (end - off < len) {
                return AKT_EPROTO;
            }
            if (pass == 1) {
                akt_err rc = fn(arg, id, path, plen, type_id, p + off, len);
                if (rc != AKT_OK) {
                    return rc;
                }
            }
            off += len;
        }
        if (off != end) {
            return AKT_EPROTO; /* trailing bytes */
        }
    }
    *next_id = akti_be64_get(p + 4);
    return AKT_OK;
}
