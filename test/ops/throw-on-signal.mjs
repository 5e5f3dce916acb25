// Loaded with `node --import` before radgate by test/ops/uncaught-exception.test.ts: on SIGUSR2, two exceptions
// are thrown from timer callbacks, where no code of radgate's can catch them (like a defect in a dependency).
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('thrown from a timer callback');
  });
  setImmediate(() => {
    throw new Error('a second one, during the shutdown');
  });
});
