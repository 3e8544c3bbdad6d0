/*
 * batchjudge multi-test driver for JavaScript (protocol BJ1, docs/design/driver-protocol.md).
 *
 * Run as `node --max-old-space-size=<MB> --stack-size=8000 bj_driver.js main.js program|solve`.
 *
 * The student's source is compiled once, wrapped like a CommonJS module. Every test gets a
 * fresh `vm` context (microtaskMode 'afterEvaluate': the context has its own microtask queue)
 * in which a small prelude builds that test's console, process, require, Buffer and timer
 * shims; nothing the student's code creates survives into the next test.
 *
 * One test is one evaluation in its context, under the vm timeout (the test's wall limit):
 *   1. the module body runs; in solve style, solve(input) is called next as its own task;
 *   2. an emulated event loop runs timers, stdin / readline events and setImmediate callbacks
 *      in Node's phase order (timers, I/O, check), draining the context's microtasks after
 *      each callback, until nothing is left that keeps a Node process alive;
 *   3. 'exit' listeners run.
 * A synchronous endless loop anywhere (module body, callback, microtask) is cut by the vm
 * timeout; an endless chain of callbacks is stopped between callbacks by the wall / CPU
 * checks. Timers do not really wait: when only timers are pending, the clock of the
 * emulated loop jumps to the next one (setTimeout(f, 1000) costs no real time; Date.now()
 * is not affected). Either way the driver keeps control and goes on with the next test.
 *
 * The driver reads fd 0 with fs.readSync and writes frames to fd 1 with fs.writeSync; it
 * never touches the real process.stdin / process.stdout, and the student's code only sees
 * the shims. (A vm context is not a security boundary: code that climbs out through the
 * prototype chain of a host object can reach the real process. The sandbox around the
 * execution is what protects the machine; the nonce protects the frames.)
 *
 * Exhausting the V8 heap aborts the whole process ("JavaScript heap out of memory"); the
 * engine then gives the test without a frame MLE through the language's OOM patterns.
 */
'use strict';

const fs = require('fs');
const vm = require('vm');
const util = require('util');
const path = require('path');

const ERR_KEEP = 4096; // stderr bytes reported per test
const EXIT_PROTOCOL = 2; // our exit status when stdin is not a BJ1 batch
const LINE_MAX = 256; // longest header line accepted
const DRIVER_FILE = __filename;

// ------------------------------------------------------------------ raw fd 0 / fd 1

const pause = new Int32Array(new SharedArrayBuffer(4));

function die(message) {
  try {
    fs.writeSync(2, `bj_driver: ${message}\n`);
  } catch {
    // nothing else to report to
  }
  process.exit(EXIT_PROTOCOL);
}

/** One read(2) on fd 0; retried while the descriptor is non-blocking and empty. */
function readSome(buffer, offset, length) {
  for (;;) {
    try {
      return fs.readSync(0, buffer, offset, length, null);
    } catch (error) {
      if (error.code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1);
      } else if (error.code !== 'EINTR') {
        throw error;
      }
    }
  }
}

function writeAll(fd, buffer) {
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    } catch (error) {
      if (error.code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1);
      } else if (error.code !== 'EINTR') {
        process.exit(1); // our stdout is gone: nobody is listening any more
      }
    }
  }
}

const oneByte = Buffer.alloc(1);

/** One header line, byte by byte, so nothing past it is consumed. */
function readLine() {
  const line = [];
  for (;;) {
    if (readSome(oneByte, 0, 1) !== 1) die('input ended inside a header');
    if (oneByte[0] === 0x0a) return Buffer.from(line).toString('latin1');
    if (line.length >= LINE_MAX) die('header line too long');
    line.push(oneByte[0]);
  }
}

function readExactly(length) {
  const data = Buffer.allocUnsafe(length);
  let offset = 0;
  while (offset < length) {
    const got = readSome(data, offset, length - offset);
    if (got <= 0) die('input ended inside a test');
    offset += got;
  }
  return data;
}

// ------------------------------------------------------------------ captured output

/** Thrown through the student's code to end a test; never shown to anyone. */
const STOP = Object.freeze({ toString: () => 'the test has ended' });

/** Output of one stream of one test: the first `keep` bytes, and how many were written. */
class Capture {
  constructor(keep) {
    this.keep = keep;
    this.chunks = []; // strings (UTF-8 later) and Buffers
    this.kept = 0;
    this.total = 0;
    this.lastByte = -1;
  }

  add(data) {
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.total += size;
    if (size === 0) return;
    const room = this.keep - this.kept;
    if (room <= 0) return;
    if (size <= room) {
      this.chunks.push(data);
      this.kept += size;
      if (typeof data === 'string') {
        this.lastByte = data.charCodeAt(data.length - 1) === 0x0a ? 0x0a : 0;
      } else {
        this.lastByte = data[data.length - 1];
      }
    } else {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      this.chunks.push(bytes.subarray(0, room));
      this.kept += room;
      this.lastByte = bytes[room - 1];
    }
  }

  bytes() {
    const parts = [];
    let strings = [];
    for (const chunk of this.chunks) {
      if (typeof chunk === 'string') {
        strings.push(chunk);
      } else {
        if (strings.length > 0) parts.push(Buffer.from(strings.join('')));
        strings = [];
        parts.push(chunk);
      }
    }
    if (strings.length > 0) parts.push(Buffer.from(strings.join('')));
    return Buffer.concat(parts);
  }
}

/** A copy of what the student wrote: a string, or the bytes of a typed array. */
function toChunk(data, encoding) {
  if (typeof data === 'string') {
    return !encoding || encoding === 'utf8' || encoding === 'utf-8'
      ? data
      : Buffer.from(data, encoding);
  }
  if (ArrayBuffer.isView(data)) {
    return Buffer.from(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  const error = new TypeError(
    `The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received ${util.inspect(data)}`,
  );
  error.code = 'ERR_INVALID_ARG_TYPE';
  throw error;
}

// ------------------------------------------------------------------ the prelude

/*
 * Runs inside each test's context (it is serialised with toString, so it may use nothing
 * from this file but `host`). Everything it makes belongs to the context's realm: promises
 * resolve on the context's microtask queue, arrays are the context's arrays.
 */
function prelude(host) {
  'use strict';
  const g = globalThis;
  const STOP = host.STOP;

  // ---- a small EventEmitter
  class EventEmitter {
    constructor() {
      this._events = new Map();
    }

    _list(name) {
      let list = this._events.get(name);
      if (!list) {
        list = [];
        this._events.set(name, list);
      }
      return list;
    }

    _added() {}

    on(name, listener) {
      if (typeof listener !== 'function') throw new TypeError('The "listener" argument must be of type function');
      this._list(name).push({ listener, once: false });
      this._added(name);
      return this;
    }

    addListener(name, listener) {
      return this.on(name, listener);
    }

    prependListener(name, listener) {
      this._list(name).unshift({ listener, once: false });
      this._added(name);
      return this;
    }

    once(name, listener) {
      if (typeof listener !== 'function') throw new TypeError('The "listener" argument must be of type function');
      this._list(name).push({ listener, once: true });
      this._added(name);
      return this;
    }

    off(name, listener) {
      const list = this._events.get(name);
      if (list) {
        const at = list.findIndex((entry) => entry.listener === listener);
        if (at >= 0) list.splice(at, 1);
      }
      return this;
    }

    removeListener(name, listener) {
      return this.off(name, listener);
    }

    removeAllListeners(name) {
      if (name === undefined) this._events.clear();
      else this._events.delete(name);
      return this;
    }

    emit(name, ...args) {
      const list = this._events.get(name);
      if (!list || list.length === 0) {
        if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error. (${args[0]})`);
        return false;
      }
      for (const entry of list.slice()) {
        if (entry.once) this.off(name, entry.listener);
        entry.listener.apply(this, args);
      }
      return true;
    }

    listenerCount(name) {
      const list = this._events.get(name);
      return list ? list.length : 0;
    }

    listeners(name) {
      const list = this._events.get(name);
      return list ? list.map((entry) => entry.listener) : [];
    }

    rawListeners(name) {
      return this.listeners(name);
    }

    eventNames() {
      return [...this._events.keys()].filter((name) => this.listenerCount(name) > 0);
    }

    setMaxListeners() {
      return this;
    }

    getMaxListeners() {
      return 10;
    }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.defaultMaxListeners = 10;

  // ---- the emulated event loop
  let clock = 0; // emulated milliseconds
  let sequence = 0;
  let timerHeap = []; // [due, sequence, timer]
  const activeTimers = new Map(); // id -> timer
  let immediates = [];
  let pendingIO = []; // stdin / readline events and write callbacks
  let ticks = []; // process.nextTick callbacks with their arguments
  let processObject = null;

  function heapPush(entry) {
    timerHeap.push(entry);
    let at = timerHeap.length - 1;
    while (at > 0) {
      const up = (at - 1) >> 1;
      if (before(timerHeap[up], entry)) break;
      timerHeap[at] = timerHeap[up];
      at = up;
    }
    timerHeap[at] = entry;
  }

  function heapPop() {
    const top = timerHeap[0];
    const last = timerHeap.pop();
    if (timerHeap.length > 0) {
      let at = 0;
      for (;;) {
        let child = 2 * at + 1;
        if (child >= timerHeap.length) break;
        if (child + 1 < timerHeap.length && before(timerHeap[child + 1], timerHeap[child])) child++;
        if (before(last, timerHeap[child])) break;
        timerHeap[at] = timerHeap[child];
        at = child;
      }
      timerHeap[at] = last;
    }
    return top;
  }

  function before(a, b) {
    return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  }

  function fail(error) {
    if (error === STOP) return;
    if (processObject && processObject.listenerCount('uncaughtException') > 0) {
      try {
        processObject.emit('uncaughtException', error, 'uncaughtException');
        return;
      } catch (again) {
        error = again;
        if (error === STOP) return;
      }
    }
    host.crash(error);
  }

  /** Run one callback as a macrotask: its errors are uncaught; then, as in Node, the
   *  process.nextTick queue, then the microtasks, until both are empty. */
  function task(fn, self, args) {
    try {
      fn.apply(self, args);
    } catch (error) {
      fail(error);
    }
    while (!host.done()) {
      if (ticks.length > 0) {
        const run = ticks;
        ticks = [];
        for (const [callback, tickArgs] of run) {
          try {
            callback(...tickArgs);
          } catch (error) {
            fail(error);
          }
          if (host.done()) return;
        }
      }
      host.drain();
      if (ticks.length === 0) return;
    }
  }

  function queueIO(fn) {
    pendingIO.push(fn);
  }

  function delayOf(value) {
    const delay = Number(value);
    return delay >= 1 && delay <= 2147483647 ? Math.trunc(delay) : 1;
  }

  class Timeout {
    constructor(callback, delay, args, repeat) {
      this._id = ++sequence;
      this._callback = callback;
      this._delay = delay;
      this._args = args;
      this._repeat = repeat;
      this._ref = true;
      this._active = true;
      this._schedule();
    }

    _schedule() {
      this._due = clock + this._delay;
      activeTimers.set(this._id, this);
      heapPush([this._due, ++sequence, this]);
    }

    ref() {
      this._ref = true;
      return this;
    }

    unref() {
      this._ref = false;
      return this;
    }

    hasRef() {
      return this._ref;
    }

    refresh() {
      if (this._active) this._schedule();
      return this;
    }

    close() {
      clearTimer(this);
      return this;
    }

    [Symbol.toPrimitive]() {
      return this._id;
    }
  }

  function clearTimer(handle) {
    if (handle === null || handle === undefined) return;
    const timer = typeof handle === 'object' ? handle : activeTimers.get(Number(handle));
    if (timer instanceof Timeout) {
      timer._active = false;
      activeTimers.delete(timer._id);
    }
  }

  function checkCallback(callback) {
    if (typeof callback !== 'function') {
      const error = new TypeError(`The "callback" argument must be of type function. Received ${typeof callback}`);
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
  }

  class Immediate {
    constructor(callback, args) {
      this._callback = callback;
      this._args = args;
      this._active = true;
      this._ref = true;
    }

    ref() {
      this._ref = true;
      return this;
    }

    unref() {
      this._ref = false;
      return this;
    }

    hasRef() {
      return this._ref;
    }
  }

  const timers = {
    setTimeout(callback, delay, ...args) {
      checkCallback(callback);
      return new Timeout(callback, delayOf(delay), args, false);
    },
    setInterval(callback, delay, ...args) {
      checkCallback(callback);
      return new Timeout(callback, delayOf(delay), args, true);
    },
    setImmediate(callback, ...args) {
      checkCallback(callback);
      const immediate = new Immediate(callback, args);
      immediates.push(immediate);
      return immediate;
    },
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    clearImmediate(immediate) {
      if (immediate instanceof Immediate) immediate._active = false;
    },
  };

  function queueMicrotask(callback) {
    checkCallback(callback);
    Promise.resolve().then(() => {
      try {
        callback();
      } catch (error) {
        fail(error);
      }
    });
  }

  /** Timers due now, ordered by due time, then by creation. */
  function runTimers() {
    let ran = false;
    while (timerHeap.length > 0 && timerHeap[0][0] <= clock) {
      const [due, , timer] = heapPop();
      if (!timer._active || timer._due !== due || activeTimers.get(timer._id) !== timer) continue;
      if (timer._repeat) timer._schedule();
      else {
        timer._active = false;
        activeTimers.delete(timer._id);
      }
      ran = true;
      task(timer._callback, timer, timer._args);
      if (host.done()) return ran;
    }
    return ran;
  }

  function nextTimer() {
    let next = Infinity;
    for (const timer of activeTimers.values()) {
      if (timer._ref && timer._due < next) next = timer._due;
    }
    return next;
  }

  function loop() {
    while (!host.done()) {
      clock += 1;
      let ran = runTimers();
      if (host.done()) return;
      const io = pendingIO;
      pendingIO = [];
      for (const fn of io) {
        ran = true;
        task(fn, undefined, []);
        if (host.done()) return;
      }
      const check = immediates;
      immediates = [];
      for (const immediate of check) {
        if (!immediate._active) continue;
        immediate._active = false;
        ran = true;
        task(immediate._callback, immediate, immediate._args);
        if (host.done()) return;
      }
      if (ran || pendingIO.length > 0 || immediates.length > 0) continue;
      const next = nextTimer();
      if (next === Infinity) return; // nothing keeps the process alive
      clock = next - 1;
    }
  }

  // ---- standard streams
  function writer(fd) {
    const stream = new EventEmitter();
    stream.fd = fd;
    stream.writable = true;
    stream.isTTY = undefined;
    stream.write = function write(chunk, encoding, callback) {
      if (typeof encoding === 'function') {
        callback = encoding;
        encoding = undefined;
      }
      host.write(fd, chunk, encoding);
      if (typeof callback === 'function') queueIO(() => callback(null));
      return true;
    };
    stream.end = function end(chunk, encoding, callback) {
      if (typeof chunk === 'function') {
        callback = chunk;
        chunk = undefined;
      }
      if (chunk !== undefined && chunk !== null) stream.write(chunk, encoding);
      if (typeof callback === 'function') queueIO(() => callback());
      return stream;
    };
    stream.cork = () => {};
    stream.uncork = () => {};
    stream.setDefaultEncoding = () => stream;
    stream.getWindowSize = () => [80, 24];
    stream.hasColors = () => false;
    return stream;
  }

  class Stdin extends EventEmitter {
    constructor() {
      super();
      this.fd = 0;
      this.isTTY = undefined;
      this.readable = true;
      this.readableEnded = false;
      this._encoding = null;
      this._flowing = null; // null: not started; true: flowing; false: paused
      this._readableMode = false;
      this._consumed = false; // the data was handed out
      this._scheduled = false;
    }

    _data() {
      this._consumed = true;
      const data = host.takeInput();
      if (data.length === 0) return null;
      return this._encoding ? host.decode(data, this._encoding) : data;
    }

    _added(name) {
      if (name === 'data' && this._flowing !== false) this.resume();
      else if (name === 'readable') {
        this._readableMode = true;
        this._schedule();
      } else if (name === 'end' || name === 'close') {
        if (this._flowing === true || this._readableMode) this._schedule();
      }
    }

    setEncoding(encoding) {
      this._encoding = encoding || 'utf8';
      return this;
    }

    resume() {
      this._flowing = true;
      this._schedule();
      return this;
    }

    pause() {
      this._flowing = false;
      return this;
    }

    isPaused() {
      return this._flowing === false;
    }

    read() {
      return this._consumed ? null : this._data();
    }

    ref() {
      return this;
    }

    unref() {
      return this;
    }

    destroy() {
      this._consumed = true;
      this.readableEnded = true;
      return this;
    }

    _schedule() {
      if (this._scheduled || this.readableEnded) return;
      this._scheduled = true;
      queueIO(() => this._deliver());
    }

    _deliver() {
      this._scheduled = false;
      if (this.readableEnded) return;
      if (this._flowing === true) {
        if (!this._consumed) {
          const chunk = this._data();
          if (chunk !== null) this.emit('data', chunk);
          if (this._flowing === true) this._schedule();
          return;
        }
        this._end();
      } else if (this._readableMode) {
        if (!this._consumed) {
          this.emit('readable');
          if (!this._consumed) return; // nobody read: like Node, the stream just waits
          this._schedule();
          return;
        }
        this.emit('readable'); // read() now gives null: end of input
        this._end();
      }
    }

    _end() {
      if (this.readableEnded) return;
      this.readableEnded = true;
      this.readable = false;
      this.emit('end');
      queueIO(() => this.emit('close'));
    }

    [Symbol.asyncIterator]() {
      const stream = this;
      return (async function* chunks() {
        const chunk = stream._consumed ? null : stream._data();
        if (chunk !== null) yield chunk;
        stream.readableEnded = true;
      })();
    }

    pipe(destination) {
      this.on('data', (chunk) => destination.write(chunk));
      return destination;
    }
  }

  const stdin = new Stdin();
  const stdout = writer(1);
  const stderr = writer(2);

  // ---- console
  const groupIndent = { value: '' };
  function print(fd, text) {
    const indent = groupIndent.value;
    const line = indent ? indent + String(text).split('\n').join(`\n${indent}`) : text;
    host.write(fd, `${line}\n`);
  }
  const counts = new Map();
  const timings = new Map();
  const console = {
    log: (...args) => print(1, host.format(...args)),
    info: (...args) => print(1, host.format(...args)),
    debug: (...args) => print(1, host.format(...args)),
    warn: (...args) => print(2, host.format(...args)),
    error: (...args) => print(2, host.format(...args)),
    dir: (value, options) => print(1, host.inspect(value, { ...options, customInspect: false })),
    table: (...args) => print(1, host.format(...args)),
    trace: (...args) => {
      const error = new Error(host.format(...args));
      error.name = 'Trace';
      print(2, error.stack);
    },
    assert: (value, ...args) => {
      if (!value) print(2, args.length ? `Assertion failed: ${host.format(...args)}` : 'Assertion failed');
    },
    count: (label = 'default') => {
      const count = (counts.get(label) || 0) + 1;
      counts.set(label, count);
      print(1, `${label}: ${count}`);
    },
    countReset: (label = 'default') => counts.delete(label),
    time: (label = 'default') => timings.set(label, host.now()),
    timeEnd: (label = 'default') => {
      if (timings.has(label)) print(1, `${label}: ${(host.now() - timings.get(label)).toFixed(3)}ms`);
      timings.delete(label);
    },
    timeLog: (label = 'default', ...args) => {
      if (timings.has(label)) {
        print(1, `${label}: ${(host.now() - timings.get(label)).toFixed(3)}ms ${host.format(...args)}`.trimEnd());
      }
    },
    group: (...args) => {
      if (args.length) print(1, host.format(...args));
      groupIndent.value += '  ';
    },
    groupEnd: () => {
      groupIndent.value = groupIndent.value.slice(2);
    },
  };
  console.groupCollapsed = console.group;

  // ---- process
  const process = new EventEmitter();
  processObject = process;
  let exiting = false;
  Object.assign(process, {
    argv: host.argv.slice(),
    argv0: 'node',
    execArgv: [],
    execPath: host.argv[0],
    env: {},
    exitCode: undefined,
    platform: host.platform,
    arch: host.arch,
    version: host.version,
    versions: { ...host.versions },
    pid: host.pid,
    ppid: host.ppid,
    title: 'node',
    release: { name: 'node' },
    stdin,
    stdout,
    stderr,
    hrtime: host.hrtime,
    memoryUsage: host.memoryUsage,
    cpuUsage: host.cpuUsage,
    resourceUsage: host.resourceUsage,
    uptime: host.uptime,
    cwd: () => host.cwd,
    umask: () => 0o22,
    nextTick(callback, ...args) {
      checkCallback(callback);
      ticks.push([callback, args]);
    },
    emitWarning(warning) {
      const text = warning instanceof Error ? `${warning.name}: ${warning.message}` : `Warning: ${warning}`;
      host.write(2, `(node:${host.pid}) ${text}\n`);
    },
    exit(code) {
      if (code !== undefined && code !== null) process.exitCode = code;
      if (!exiting) {
        exiting = true;
        try {
          process.emit('exit', exitStatus());
        } catch (error) {
          if (error !== STOP) host.crash(error);
        }
      }
      host.exit(exitStatus());
    },
    abort() {
      host.exit(134);
    },
    kill() {
      throw new Error('process.kill is not available');
    },
    binding() {
      throw new Error('No such module');
    },
  });

  function exitStatus() {
    const code = process.exitCode;
    if (code === undefined || code === null) return 0;
    const number = Number(code);
    return Number.isInteger(number) ? number & 0xff : 1;
  }

  // ---- fs
  function fsError(code, syscall, target) {
    const message = code === 'EBADF' ? 'bad file descriptor' : 'no such file or directory';
    const error = new Error(`${code}: ${message}, ${syscall}${target === undefined ? '' : ` '${target}'`}`);
    error.code = code;
    error.syscall = syscall;
    if (target !== undefined) error.path = String(target);
    return error;
  }

  const stdinNames = new Set(['/dev/stdin', '/proc/self/fd/0', '/dev/fd/0']);
  const isStdin = (target) => target === 0 || stdinNames.has(target);
  const stdoutFd = (target) => {
    if (target === 1 || target === '/dev/stdout' || target === '/proc/self/fd/1') return 1;
    if (target === 2 || target === '/dev/stderr' || target === '/proc/self/fd/2') return 2;
    return 0;
  };
  const encodingOf = (options) => (typeof options === 'string' ? options : options && options.encoding);

  const fsModule = {
    readFileSync(target, options) {
      if (!isStdin(target)) throw fsError('ENOENT', 'open', target);
      // fd 0 reads on from where earlier reads of fd 0 stopped; a path opens the input anew.
      const data = target === 0 ? host.takeInput() : host.wholeInput();
      const encoding = encodingOf(options);
      return encoding ? host.decode(data, encoding) : data;
    },
    readSync(fd, buffer, offsetOrOptions, length, position) {
      if (fd !== 0) throw fsError('EBADF', 'read');
      let offset = offsetOrOptions;
      if (offset !== null && typeof offset === 'object') {
        ({ offset, length, position } = offset);
      }
      offset = offset === undefined ? 0 : offset;
      length = length === undefined ? buffer.byteLength - offset : length;
      return host.readInto(buffer, offset, length, typeof position === 'number' ? position : null);
    },
    writeSync(fd, data, ...rest) {
      const target = stdoutFd(fd);
      if (target === 0) throw fsError('EBADF', 'write');
      const encoding = typeof rest[rest.length - 1] === 'string' ? rest[rest.length - 1] : undefined;
      host.write(target, typeof data === 'string' || ArrayBuffer.isView(data) ? data : String(data), encoding);
      return typeof data === 'string' ? host.byteLength(data) : data.byteLength || 0;
    },
    writeFileSync(target, data, options) {
      const fd = stdoutFd(target);
      if (fd === 0) throw fsError('EACCES', 'open', target);
      host.write(fd, typeof data === 'string' || ArrayBuffer.isView(data) ? data : String(data), encodingOf(options));
    },
    appendFileSync(target, data, options) {
      fsModule.writeFileSync(target, data, options);
    },
    existsSync: (target) => isStdin(target) || stdoutFd(target) !== 0,
    openSync(target) {
      if (isStdin(target)) return 0;
      const fd = stdoutFd(target);
      if (fd === 0) throw fsError('ENOENT', 'open', target);
      return fd;
    },
    closeSync() {},
    fstatSync(fd) {
      if (fd !== 0 && stdoutFd(fd) === 0) throw fsError('EBADF', 'fstat');
      const size = fd === 0 ? host.inputLength() : 0;
      return {
        size,
        isFile: () => fd === 0,
        isFIFO: () => false,
        isDirectory: () => false,
        isCharacterDevice: () => fd !== 0,
        isSymbolicLink: () => false,
      };
    },
  };
  fsModule.statSync = (target) => fsModule.fstatSync(isStdin(target) ? 0 : stdoutFd(target) || -1);
  fsModule.readFile = (target, options, callback) => {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    let result;
    let failure = null;
    try {
      result = fsModule.readFileSync(target, options);
    } catch (error) {
      failure = error;
    }
    queueIO(() => callback(failure, result));
  };
  fsModule.promises = {
    readFile: async (target, options) => fsModule.readFileSync(target, options),
  };

  // ---- readline
  class Interface extends EventEmitter {
    constructor(input, output) {
      super();
      this.input = input;
      this.output = output;
      this.closed = false;
      this.terminal = false;
      this.line = '';
      this._prompt = '> ';
      this._questions = [];
      this._partial = '';
      this._paused = false;
      this._onData = (chunk) => this._feed(typeof chunk === 'string' ? chunk : host.decode(chunk, 'utf8'));
      this._onEnd = () => {
        if (this._partial.length > 0) {
          const last = this._partial;
          this._partial = '';
          this._emitLine(last);
        }
        this.close();
      };
      if (input && typeof input.on === 'function') {
        input.on('data', this._onData);
        input.on('end', this._onEnd);
        if (typeof input.resume === 'function') input.resume();
      }
    }

    _feed(text) {
      const parts = (this._partial + text).split(/\r\n|\n|\r/);
      this._partial = parts.pop();
      for (const part of parts) {
        if (this.closed) return;
        this._emitLine(part);
      }
    }

    _emitLine(line) {
      const question = this._questions.shift();
      if (question) question(line);
      else this.emit('line', line);
    }

    close() {
      if (this.closed) return;
      this.closed = true;
      if (this.input && typeof this.input.off === 'function') {
        this.input.off('data', this._onData);
        this.input.off('end', this._onEnd);
      }
      this.emit('close');
    }

    pause() {
      this._paused = true;
      this.emit('pause');
      return this;
    }

    resume() {
      this._paused = false;
      this.emit('resume');
      return this;
    }

    setPrompt(prompt) {
      this._prompt = String(prompt);
    }

    getPrompt() {
      return this._prompt;
    }

    prompt() {
      if (this.output && typeof this.output.write === 'function') this.output.write(this._prompt);
    }

    question(query, options, callback) {
      if (typeof options === 'function') callback = options;
      if (this.output && typeof this.output.write === 'function') this.output.write(String(query));
      this._questions.push(callback);
    }

    write() {}

    [Symbol.asyncIterator]() {
      const queue = [];
      const waiting = [];
      let finished = this.closed;
      this.on('line', (line) => {
        if (waiting.length > 0) waiting.shift()({ value: line, done: false });
        else queue.push(line);
      });
      this.on('close', () => {
        finished = true;
        while (waiting.length > 0) waiting.shift()({ value: undefined, done: true });
      });
      const iterator = {
        next: () => {
          if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
          if (finished) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => waiting.push(resolve));
        },
        return: () => {
          finished = true;
          this.close();
          return Promise.resolve({ value: undefined, done: true });
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    }
  }

  const readline = {
    Interface,
    createInterface(options, output) {
      const isOptions = options && typeof options === 'object' && 'input' in options;
      return new Interface(isOptions ? options.input : options, isOptions ? options.output : output);
    },
    clearLine: () => true,
    cursorTo: () => true,
    moveCursor: () => true,
  };

  // ---- require, module
  const module = {
    id: '.',
    path: host.dirname,
    filename: host.filename,
    loaded: false,
    children: [],
    paths: [],
    exports: {},
  };
  const modules = {
    fs: fsModule,
    readline,
    events: EventEmitter,
    process,
    timers: { ...timers },
    util: host.util,
    assert: host.assert,
    buffer: { Buffer: host.Buffer },
    string_decoder: host.stringDecoder,
    path: host.path,
    perf_hooks: { performance: host.performance },
  };
  function require(name) {
    let key = String(name);
    if (key.startsWith('node:')) key = key.slice(5);
    if (Object.prototype.hasOwnProperty.call(modules, key)) return modules[key];
    const error = new Error(`Cannot find module '${name}'`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  require.main = module;
  require.cache = {};
  require.resolve = (name) => {
    require(name);
    return String(name);
  };
  module.require = require;

  // ---- globals
  Object.assign(g, timers, {
    console,
    process,
    queueMicrotask,
    Buffer: host.Buffer,
    TextEncoder: host.TextEncoder,
    TextDecoder: host.TextDecoder,
    URL: host.URL,
    URLSearchParams: host.URLSearchParams,
    atob: host.atob,
    btoa: host.btoa,
    performance: host.performance,
    structuredClone: host.structuredClone,
  });
  g.global = g;

  return {
    /** Run the module body, solve(input) in solve style, the event loop, 'exit' listeners. */
    run(wrapper, solveStyle) {
      let found;
      task(() => {
        found = wrapper.call(module.exports, module.exports, require, module, host.filename, host.dirname);
        module.loaded = true;
      });
      if (solveStyle && !host.done()) {
        let solve = typeof found === 'function' ? found : undefined;
        const exported = module.exports;
        if (!solve && exported && typeof exported.solve === 'function') solve = exported.solve;
        if (!solve && typeof exported === 'function') solve = exported;
        if (!solve && typeof g.solve === 'function') solve = g.solve;
        queueIO(() => {
          if (!solve) throw new ReferenceError('solve is not defined');
          const result = solve(host.inputText());
          if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
            result.then(
              (value) => {
                if (value !== undefined) host.result(value);
              },
              (error) => fail(error),
            );
          } else if (result !== undefined) {
            host.result(result);
          }
        });
      }
      if (!host.done()) loop();
      if (!exiting && !host.ended()) {
        exiting = true;
        task(() => process.emit('exit', exitStatus()));
      }
      return exitStatus();
    },
  };
}

// ------------------------------------------------------------------ one test

const HOST_STATIC = {
  STOP,
  util,
  assert: require('assert'),
  path,
  stringDecoder: require('string_decoder'),
  Buffer,
  TextEncoder,
  TextDecoder,
  URL,
  URLSearchParams,
  atob,
  btoa,
  performance: { now: () => performance.now(), timeOrigin: performance.timeOrigin },
  structuredClone,
  format: util.format,
  inspect: util.inspect,
  decode: (data, encoding) => Buffer.from(data.buffer, data.byteOffset, data.length).toString(encoding),
  byteLength: (text) => Buffer.byteLength(text),
  now: () => performance.now(),
  hrtime: process.hrtime,
  memoryUsage: process.memoryUsage,
  cpuUsage: process.cpuUsage,
  resourceUsage: process.resourceUsage,
  uptime: process.uptime,
  platform: process.platform,
  arch: process.arch,
  version: process.version,
  versions: process.versions,
  pid: process.pid,
  ppid: process.ppid,
};

const preludeScript = new vm.Script(`(${prelude.toString()})`, { filename: 'bj_prelude.js' });
const entryScript = new vm.Script('__bj_entry__()', { filename: 'bj_entry.js' });
const drainScript = new vm.Script('', { filename: 'bj_drain.js' });

let current = null; // the state of the test running now, for unhandled rejections

/** An error as Node prints it when it ends a process, without the driver's own frames. */
function describe(error) {
  let text;
  try {
    if (error && typeof error.stack === 'string') {
      text = error.stack
        .split('\n')
        .filter((line) => !(/^\s+at /.test(line) && (INTERNAL_FRAME.test(line) || line.includes(DRIVER_FILE))))
        .join('\n');
    } else {
      text = `Uncaught ${util.inspect(error)}`;
    }
  } catch {
    text = 'Uncaught exception';
  }
  return `${text}\n`;
}
const INTERNAL_FRAME = /node:vm|bj_prelude\.js|bj_entry\.js|bj_drain\.js/;

async function runTest(test, input, program) {
  const [index, cpuLimitMs, wallLimitMs, outputLimit] = test;
  const state = {
    out: new Capture(outputLimit),
    err: new Capture(ERR_KEEP),
    closed: false, // the test is over: writes end the writer
    ended: false, // no more callbacks are run
    timedOut: false,
    flooded: false,
    crashed: false,
    exitCode: null,
    inputAt: 0,
    inputText: null,
  };
  const startCpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const wallDeadline = start + BigInt(wallLimitMs) * 1000000n;
  const cpuLimitUs = cpuLimitMs * 1000;

  const host = Object.create(HOST_STATIC);
  Object.assign(host, {
    argv: [process.execPath, program.filename],
    filename: program.filename,
    dirname: path.dirname(program.filename),
    cwd: process.cwd(),
    write(fd, data, encoding) {
      if (state.closed) throw STOP;
      const chunk = toChunk(data, encoding);
      if (fd === 2) {
        state.err.add(chunk);
        return;
      }
      state.out.add(chunk);
      if (state.out.total > outputLimit) {
        state.flooded = true;
        state.ended = true;
        state.closed = true;
        throw STOP;
      }
    },
    /*
     * Solve style: what solve(input) returned (or its promise resolved to), unless undefined,
     * is printed after whatever the test printed so far, as String(value) plus a newline.
     * When the printed output does not end with a newline, one is added first, so the result
     * always stands on a line of its own ("printed" + 42 gives "printed\n42\n", never
     * "printed42\n"); a checker that ignores whitespace sees the same tokens either way.
     */
    result(value) {
      if (state.closed) return;
      if (state.out.kept > 0 && state.out.lastByte !== 0x0a) host.write(1, '\n');
      host.write(1, `${String(value)}\n`);
    },
    crash(error) {
      if (state.ended) return;
      state.crashed = true;
      state.ended = true;
      state.err.add(describe(error));
      state.closed = true;
    },
    exit(code) {
      if (!state.ended) {
        state.exitCode = code & 0xff;
        state.ended = true;
      }
      state.closed = true;
      throw STOP;
    },
    done() {
      if (state.ended) return true;
      if (process.hrtime.bigint() > wallDeadline) {
        state.timedOut = true;
      } else {
        const used = process.cpuUsage(startCpu);
        if (used.user + used.system > cpuLimitUs) state.timedOut = true;
      }
      if (state.timedOut) state.ended = true;
      return state.ended;
    },
    ended: () => state.ended,
    drain: () => drainScript.runInContext(context),
    wholeInput: () => input,
    takeInput() {
      const data = input.subarray(state.inputAt);
      state.inputAt = input.length;
      return data;
    },
    inputText() {
      if (state.inputText === null) state.inputText = input.toString('utf8');
      return state.inputText;
    },
    inputLength: () => input.length,
    readInto(buffer, offset, length, position) {
      const from = position === null ? state.inputAt : position;
      const target = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const count = Math.max(0, Math.min(length, input.length - from, target.length - offset));
      input.copy(target, offset, from, from + count);
      if (position === null) state.inputAt = from + count;
      return count;
    },
  });

  const sandbox = {};
  const context = vm.createContext(sandbox, { microtaskMode: 'afterEvaluate' });
  current = state;
  let status = 0;
  const timeout = Math.max(1, Math.ceil(wallLimitMs - Number(process.hrtime.bigint() - start) / 1e6));
  try {
    const inside = preludeScript.runInContext(context)(host);
    if (program.error) {
      host.crash(program.error);
    } else {
      const wrapper = program.script.runInContext(context);
      Object.defineProperty(sandbox, '__bj_entry__', {
        value: () => inside.run(wrapper, program.solve),
        configurable: true,
      });
      status = entryScript.runInContext(context, { timeout, displayErrors: false });
    }
  } catch (error) {
    if (error && error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      state.timedOut = true;
    } else if (error !== STOP) {
      host.crash(error);
    }
  }
  state.ended = true;
  state.closed = true;
  // Let Node report the promises the test left rejected and unhandled.
  await new Promise((resolve) => setImmediate(resolve));
  current = null;

  const wallUs = Number((process.hrtime.bigint() - start) / 1000n);
  const used = process.cpuUsage(startCpu);
  const cpuUs = used.user + used.system;
  let exitCode = state.exitCode !== null ? state.exitCode : status;
  if (state.crashed || state.timedOut || state.flooded) exitCode = state.exitCode !== null ? state.exitCode : -1;
  let verdict = 'OK';
  if (state.timedOut || cpuUs > cpuLimitUs || wallUs > wallLimitMs * 1000) verdict = 'TLE';
  else if (state.flooded) verdict = 'OLE';
  else if (exitCode !== 0) verdict = 'RE';

  const out = state.out.bytes();
  const err = state.err.bytes();
  const header = Buffer.from(
    `\x1e${program.nonce} ${index} ${verdict} ${cpuUs} ${wallUs} ${process.resourceUsage().maxRSS} ` +
      `${exitCode} 0 ${out.length} ${err.length}\n`,
    'latin1',
  );
  writeAll(1, Buffer.concat([header, out, err]));
}

process.on('unhandledRejection', (reason) => {
  const state = current;
  if (reason === STOP || state === null || state.crashed || state.timedOut || state.exitCode !== null) return;
  state.crashed = true;
  state.err.add(describe(reason));
});

// ------------------------------------------------------------------ main

const PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];

/**
 * The student's source compiled once as a CommonJS module wrapper (run in each test's
 * context), or the error compiling it gave. In solve style the wrapper also returns the
 * module's own `solve`, which a function declaration keeps local to the module.
 */
function loadProgram(file, solve) {
  const filename = path.resolve(file);
  let source;
  try {
    source = fs.readFileSync(filename, 'utf8');
  } catch (error) {
    return { filename, solve, error };
  }
  if (source.startsWith('#!')) source = `//${source.slice(2)}`;
  const head = `(function (${PARAMETERS.join(', ')}) { `;
  const tail = solve ? '\n;return typeof solve === "function" ? solve : undefined;\n})' : '\n})';
  try {
    return { filename, solve, script: new vm.Script(head + source + tail, { filename }) };
  } catch (error) {
    // Compile the bare source the way Node's loader does, for the error's exact position.
    try {
      vm.compileFunction(source, PARAMETERS, { filename });
    } catch (exact) {
      return { filename, solve, error: syntaxError(exact) };
    }
    return { filename, solve, error: syntaxError(error) };
  }
}

/** A compile error as Node shows it: where, then what (our own frames are no use). */
function syntaxError(error) {
  const stack = String(error && error.stack ? error.stack : error);
  const at = stack.search(/\n\s+at /);
  return { stack: at >= 0 ? stack.slice(0, at) : stack };
}

async function main() {
  const [file, style] = process.argv.slice(2);
  if (!file || (style !== 'program' && style !== 'solve')) die('usage: bj_driver.js main.js program|solve');
  const words = readLine().split(' ');
  if (words.length !== 3 || words[0] !== 'BJ1' || !/^\d+$/.test(words[2]) || words[1] === '') {
    die('stdin is not a BJ1 batch');
  }
  const program = loadProgram(file, style === 'solve');
  program.nonce = words[1];
  const count = Number(words[2]);
  for (let k = 0; k < count; k++) {
    const fields = readLine().split(' ');
    if (fields.length !== 6 || fields[0] !== 'T' || !fields.slice(1).every((w) => /^\d+$/.test(w))) {
      die('bad test header');
    }
    const test = fields.slice(1).map(Number);
    const input = readExactly(test[4]);
    await runTest(test, input, program);
  }
  writeAll(1, Buffer.from(`\x1e${program.nonce} END\n`, 'latin1'));
  process.exit(0);
}

main().catch((error) => {
  die(`internal error: ${error && error.stack ? error.stack : error}`);
});
