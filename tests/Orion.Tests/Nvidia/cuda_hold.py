"""A CUDA process for the Category=gpu tests, needing only python3 and the driver (libcuda.so.1, no toolkit).

Fills MIB MiB of device memory, 64 MiB chunk by chunk with the chunk's own 32-bit pattern, keeps the device busy with
memsets while BUSY exists, and once RELEASE exists reads every chunk back: exit 0 if all of it is intact, 3 if not.
Usage: python3 cuda_hold.py MIB RELEASE BUSY
"""
import ctypes
import os
import struct
import sys
import time

CHUNK = 64 << 20
mib, release, busy = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cuda = ctypes.CDLL("libcuda.so.1")


def check(result, what):
    if result != 0:
        print(f"cuda_hold: {what}: CUDA error {result}", flush=True)
        sys.exit(2)


check(cuda.cuInit(0), "cuInit")
device = ctypes.c_int()
check(cuda.cuDeviceGet(ctypes.byref(device), 0), "cuDeviceGet")
context = ctypes.c_void_p()
check(cuda.cuDevicePrimaryCtxRetain(ctypes.byref(context), device), "cuDevicePrimaryCtxRetain")
check(cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent")
memory = ctypes.c_uint64()
size = mib << 20
check(cuda.cuMemAlloc_v2(ctypes.byref(memory), ctypes.c_size_t(size)), "cuMemAlloc")
chunks = size // CHUNK
for i in range(chunks):
    check(cuda.cuMemsetD32_v2(ctypes.c_uint64(memory.value + i * CHUNK), ctypes.c_uint(i + 1), ctypes.c_size_t(CHUNK // 4)), "cuMemsetD32")
check(cuda.cuCtxSynchronize(), "cuCtxSynchronize")
print(f"cuda_hold: {mib} MiB filled", flush=True)

scratch = ctypes.c_uint64()
check(cuda.cuMemAlloc_v2(ctypes.byref(scratch), ctypes.c_size_t(CHUNK)), "cuMemAlloc scratch")
while not os.path.exists(release):
    if os.path.exists(busy):
        for _ in range(50):
            check(cuda.cuMemsetD8_v2(scratch, ctypes.c_ubyte(7), ctypes.c_size_t(CHUNK)), "cuMemsetD8")
        check(cuda.cuCtxSynchronize(), "cuCtxSynchronize")
    else:
        time.sleep(0.05)

host = ctypes.create_string_buffer(CHUNK)
for i in range(chunks):
    check(cuda.cuMemcpyDtoH_v2(host, ctypes.c_uint64(memory.value + i * CHUNK), ctypes.c_size_t(CHUNK)), "cuMemcpyDtoH")
    if host.raw != struct.pack("<I", i + 1) * (CHUNK // 4):
        print(f"cuda_hold: chunk {i} changed", flush=True)
        sys.exit(3)
print(f"cuda_hold: {mib} MiB intact", flush=True)
