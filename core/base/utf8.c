/* UTF-8 decoding, encoding and validation; ASCII transliteration for the plugin's labels. */
#include <string.h>

#include "core/base/utf8.h"

/* ---- UTF-8 ----------------------------------------------------------------------- */

/* Decodes one code point at p[0..n); returns its length (>= 1) or 0 when invalid. */
size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int utf8_valid(const uint8_t *p, size_t n)
{
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		size_t l;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		l = utf8_decode(p + i, n - i, &cp);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- ASCII transliteration --------------------------------------------------------- */

/* U+00C0..U+017F; "" means drop the character. German umlauts get their two-letter forms. */
static const char *const latin_map[] = {
	/* C0 */ "A",  "A", "A",  "A",	"Ae", "A", "AE", "C",
	"E",	       "E", "E",  "E",	"I",  "I", "I",	 "I",
	/* D0 */ "D",  "N", "O",  "O",	"O",  "O", "Oe", "x",
	"O",	       "U", "U",  "U",	"Ue", "Y", "Th", "ss",
	/* E0 */ "a",  "a", "a",  "a",	"ae", "a", "ae", "c",
	"e",	       "e", "e",  "e",	"i",  "i", "i",	 "i",
	/* F0 */ "d",  "n", "o",  "o",	"o",  "o", "oe", "/",
	"o",	       "u", "u",  "u",	"ue", "y", "th", "y",
	/* 100 */ "A", "a", "A",  "a",	"A",  "a", "C",	 "c",
	"C",	       "c", "C",  "c",	"C",  "c", "D",	 "d",
	/* 110 */ "D", "d", "E",  "e",	"E",  "e", "E",	 "e",
	"E",	       "e", "E",  "e",	"G",  "g", "G",	 "g",
	/* 120 */ "G", "g", "G",  "g",	"H",  "h", "H",	 "h",
	"I",	       "i", "I",  "i",	"I",  "i", "I",	 "i",
	/* 130 */ "I", "i", "IJ", "ij", "J",  "j", "K",	 "k",
	"k",	       "L", "l",  "L",	"l",  "L", "l",	 "L",
	/* 140 */ "l", "L", "l",  "N",	"n",  "N", "n",	 "N",
	"n",	       "n", "N",  "n",	"O",  "o", "O",	 "o",
	/* 150 */ "O", "o", "OE", "oe", "R",  "r", "R",	 "r",
	"R",	       "r", "S",  "s",	"S",  "s", "S",	 "s",
	/* 160 */ "S", "s", "T",  "t",	"T",  "t", "T",	 "t",
	"U",	       "u", "U",  "u",	"U",  "u", "U",	 "u",
	/* 170 */ "U", "u", "U",  "u",	"W",  "w", "Y",	 "y",
	"Y",	       "Z", "z",  "Z",	"z",  "Z", "z",	 "s",
};

static const char *translit_cp(uint32_t cp)
{
	if (cp >= 0xc0 && cp <= 0x17f)
		return latin_map[cp - 0xc0];
	switch (cp) {
	case 0xa0: /* no-break space */
	case 0x2002:
	case 0x2003:
	case 0x2009:
	case 0x202f:
		return " ";
	case 0xa9:
		return "(c)";
	case 0xae:
		return "(R)";
	case 0xb0:
		return "deg";
	case 0xb4:
	case 0x2018:
	case 0x2019:
	case 0x201a:
	case 0x2032:
		return "'";
	case 0xab:
	case 0xbb:
	case 0x201c:
	case 0x201d:
	case 0x201e:
		return "\"";
	case 0xb7:
	case 0x2022:
		return "-";
	case 0x2010:
	case 0x2011:
	case 0x2012:
	case 0x2013:
	case 0x2014:
	case 0x2015:
	case 0x2212:
		return "-";
	case 0x2026:
		return "...";
	case 0x20ac:
		return "EUR";
	case 0xa3:
		return "GBP";
	case 0x2122:
		return "(TM)";
	case 0x1e9e:
		return "SS";
	case 0x200b: /* zero-width space, joiners, BOM */
	case 0x200c:
	case 0x200d:
	case 0xfeff:
		return "";
	default:
		break;
	}
	if (cp >= 0x300 && cp <= 0x36f) /* combining accents */
		return "";
	return "?";
}

size_t ascii_translit(const char *in, size_t n, char *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)in;
	size_t o = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		const char *rep;
		char one[2] = {0, 0};
		uint32_t cp;
		size_t l, rl;

		if (p[i] < 0x80) {
			one[0] = (char)p[i];
			rep = one;
			l = 1;
		} else {
			l = utf8_decode(p + i, n - i, &cp);
			if (!l) {
				rep = "?";
				l = 1;
			} else {
				rep = translit_cp(cp);
			}
		}
		rl = strlen(rep);
		if (o + rl >= cap)
			break;
		memcpy(out + o, rep, rl);
		o += rl;
		i += l;
	}
	out[o] = '\0';
	return o;
}
