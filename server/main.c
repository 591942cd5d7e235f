#include <stdio.h>

int main(void)
{
	puts("triode " TRIODE_VERSION);
	return 0;
}
