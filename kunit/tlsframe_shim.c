// SPDX-License-Identifier: GPL-2.0
/* The code under test, compiled into socksec_kunit.ko; see Kbuild. */
#include "../module/tlsframe.c"
