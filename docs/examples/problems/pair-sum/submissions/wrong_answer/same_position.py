# Whole-program style. The bug: when value is exactly half the target, position[...]
# can be the very position i, so "i i" is printed for a pair that does not exist.
n, target = map(int, input().split())
values = list(map(int, input().split()))
position = {value: i for i, value in enumerate(values, start=1)}
for i, value in enumerate(values, start=1):
    if target - value in position:
        print(i, position[target - value])
        break
else:
    print("impossible")
