/* ctl_main.c — relancectl (being written). */
#include <stdio.h>
int main(void) { fprintf(stderr, "relancectl: not built yet\n"); return 2; }
