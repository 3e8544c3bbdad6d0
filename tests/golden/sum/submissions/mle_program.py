# Allocates 512 MiB of filled bytes objects, 16 MiB at a time, on the trigger test.
a, b = map(int, input().split())
if a == 13:
    chunks = []
    for i in range(32):
        chunks.append(bytes([i + 1]) * (16 << 20))
    print(sum(chunk[i] for i, chunk in enumerate(chunks)))
print(a + b)
