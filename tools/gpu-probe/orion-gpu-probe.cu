// A CUDA program for checking a node (orion-daemon check --gpu-command): it takes device memory, fills it with a
// pattern and, until it is stopped, rewrites the pattern in place while checking the last one. A byte that comes back
// wrong after its memory moved to host RAM and back makes it exit 3, so the daemon's check sees the move corrupt data.
// With BUSY and IDLE seconds it alternates: rounds back to back for BUSY seconds (it computes, as an online service
// serving requests does), then no kernels for IDLE seconds (quiet); without them, a round every 50 ms.
// Build: nvcc -O2 -o orion-gpu-probe orion-gpu-probe.cu      Run: orion-gpu-probe [MiB [BUSY IDLE]], MiB default 1024
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <unistd.h>
#include <cuda_runtime.h>

__device__ __forceinline__ unsigned int Expected(size_t i, unsigned int round) {
    return (unsigned int)(i * 2654435761u) ^ (round * 40503u + 17u);
}

__global__ void Fill(unsigned int* words, size_t n, unsigned int round) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        words[i] = Expected(i, round);
    }
}

// Checks the words hold round's pattern and writes round + 1's; counts the words that were wrong.
__global__ void CheckAndAdvance(unsigned int* words, size_t n, unsigned int round, unsigned long long* wrong) {
    unsigned long long bad = 0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        bad += words[i] != Expected(i, round);
        words[i] = Expected(i, round + 1);
    }
    if (bad) atomicAdd(wrong, bad);
}

static void Must(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        fprintf(stderr, "orion-gpu-probe: %s: %s\n", what, cudaGetErrorString(e));
        exit(2);
    }
}

static double Now() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    size_t mib = argc > 1 ? strtoull(argv[1], nullptr, 10) : 1024;
    double busy = argc > 3 ? atof(argv[2]) : 0, idle = argc > 3 ? atof(argv[3]) : 0;
    double start = Now(), printed = 0;
    size_t n = mib * 1024 * 1024 / sizeof(unsigned int);
    unsigned int* words;
    unsigned long long* wrong;
    Must(cudaMalloc(&words, n * sizeof(unsigned int)), "cudaMalloc");
    Must(cudaMalloc(&wrong, sizeof(unsigned long long)), "cudaMalloc");
    Must(cudaMemset(wrong, 0, sizeof(unsigned long long)), "cudaMemset");
    Fill<<<1024, 256>>>(words, n, 0);
    Must(cudaDeviceSynchronize(), "fill");
    printf("orion-gpu-probe: %zu MiB on the card, checking\n", mib);
    fflush(stdout);
    for (unsigned int round = 0;; round++) {
        // Quiet: no kernels at all, as an online service with no requests.
        while (busy + idle > 0 && fmod(Now() - start, busy + idle) >= busy) {
            usleep(100 * 1000);
        }
        CheckAndAdvance<<<1024, 256>>>(words, n, round, wrong);
        unsigned long long bad = 0;
        Must(cudaMemcpy(&bad, wrong, sizeof bad, cudaMemcpyDeviceToHost), "read the count of wrong words");
        if (bad) {
            fprintf(stderr, "orion-gpu-probe: %llu words wrong after round %u\n", bad, round);
            return 3;
        }
        if (Now() - printed >= 2) {
            printed = Now();
            printf("orion-gpu-probe: round %u, all %zu words right\n", round, n);
            fflush(stdout);
        }
        if (busy + idle <= 0) {
            usleep(50 * 1000);
        }
    }
}
