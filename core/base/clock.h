/* The one monotonic clock every layer measures timeouts, deadlines and rates with. */
#ifndef SS_CLOCK_H
#define SS_CLOCK_H

#include "core/base/common.h"

/* Milliseconds of CLOCK_MONOTONIC (arbitrary origin; never jumps with the wall clock). */
int64_t mono_ms(void);

#endif
