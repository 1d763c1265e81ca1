/* Shared basics for every translation unit: generated config, IS_ENABLED(), small macros. */
#ifndef SS_COMMON_H
#define SS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "autoconf.h"

/*
 * IS_ENABLED(CONFIG_X) is 1 when CONFIG_X is defined to 1 (a 'y' bool), else 0, so
 * disabled code is still compiled and type-checked (the Linux kernel's trick).
 */
#define SS_ARG_PLACEHOLDER_1 0,
#define SS_TAKE_SECOND(ignored, val, ...) val
/* Variadic so a preprocessor that counts arguments before expanding them (cppcheck's) agrees. */
#define SS_IS_DEFINED3(...) SS_TAKE_SECOND(__VA_ARGS__ 1, 0, 0)
#define SS_IS_DEFINED2(val) SS_IS_DEFINED3(SS_ARG_PLACEHOLDER_##val)
#define IS_ENABLED(option) SS_IS_DEFINED2(option)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define UNUSED(x) ((void)(x))

/* Value of one hex digit, or -1. */
static inline int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#ifndef SS_VERSION
#define SS_VERSION "0.0.0"
#endif

#endif
