/**
 * Preloaded into a test process (`node --import ./test/helpers/skewed-clock.ts`) to give it a clock
 * that is CLOCK_SKEW_MS off (negative: behind), as an instance on a badly set machine has.
 */
const skewMs = Number(process.env.CLOCK_SKEW_MS ?? 0);
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + skewMs;
