/*
 * bcryptprimitives.dll for Wine versions that lack it (Wine 8.0 and
 * older). Every Go program built for Windows calls ProcessPrng from this
 * DLL as it starts and dies without it. This one fills the buffer from
 * RtlGenRandom (advapi32's SystemFunction036), Windows' own CSPRNG entry
 * point. Only the Windows end-to-end test installs it, into the Wine
 * prefix it creates:
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -s -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
