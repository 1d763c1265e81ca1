/* streamingserver entry point (first version: the control server replaces the body). */
#include <stdio.h>
#include <string.h>

#include "core/common.h"
#include "core/log.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("streamingserver %s (%s)\n", SS_VERSION, CONFIG_BOARD_NAME);
			return 0;
		}
	}
	LOG_INFO(LOG_MAIN, "streamingserver %s", SS_VERSION);
	return 0;
}
