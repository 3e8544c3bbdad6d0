# Always reads two lines with input(): EOFError (RE) on one-line tests, and too little
# output (WA) on secret/01 with its four lines. Reading past the end must fail at once,
# never block.
first = input()
second = input()
print(first.upper())
print(second.upper())
