/* UTF-8: decode, encode, validate; transliteration to ASCII (the plugin shows ASCII only). */
#ifndef SS_UTF8_H
#define SS_UTF8_H

#include "core/base/common.h"

/* Decodes one code point at p[0..n); returns its length (>= 1) or 0 when invalid. */
size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);
/* Encodes cp (<= U+10FFFF, no surrogate) into out[0..4); returns its length. */
size_t utf8_encode(uint32_t cp, char *out);
/* True when p[0..n) is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
int utf8_valid(const uint8_t *p, size_t n);
/* Transliterates UTF-8 to ASCII into out (always NUL-terminated); returns strlen(out). */
size_t ascii_translit(const char *in, size_t n, char *out, size_t cap);

#endif
