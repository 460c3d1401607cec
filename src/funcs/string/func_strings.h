/* Helpers shared by the function modules. */
#ifndef ZV_FUNCS_STRING_FUNC_STRINGS_H
#define ZV_FUNCS_STRING_FUNC_STRINGS_H

#include <stdbool.h>

/* Size of buffers holding one variable's value. */
#define DP_VALUE_MAX 8192

/* Asterisk's truth test for IF/IFTIME/ExecIf conditions: empty is false,
 * a number is its value, any other text is true. */
bool func_checkcondition(const char *s);

#endif
