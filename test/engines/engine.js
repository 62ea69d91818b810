// The engine drivers (chromium.js, firefox.js, webkit.js) each export `launch(): Promise<Engine>`,
// the interface typed in test/scenarios/rig.ts (Engine, BrowserProfile, Tab):
//
//   Engine  { name, version, pause: true | string,  // true, or why this engine cannot pause a page
//             newProfile(): Promise<Profile>, close(): Promise<void> }
//   Profile { newTab(url): Promise<Tab>, close(): Promise<void> }   // a fresh storage partition
//   Tab     { goto(url), evaluate(fn, arg?), pause(schedule)?, resume()?, close() }
//
// - Tabs of one profile share IndexedDB, Web Locks and BroadcastChannel, and are separate
//   *windows* (or unthrottled), so a background tab's timers are not clamped.
// - `evaluate(fn, arg)` runs a self-contained function in the page and returns its (awaited,
//   JSON-able) result. Keep it short: WebKit runs one WebDriver command at a time for all tabs, so
//   anything that waits is started by one evaluate and polled by others.
// - `pause(schedule)` attaches the engine's debugger, evaluates `schedule` (which queues a task with
//   a `debugger` statement) and resolves once the page is stopped there; `resume()` lets it go.
//
// Pages are instrumented by the rig's app server (test/scenarios/app.ts, instrument.ts), not by the
// drivers: WebDriver has no init scripts, and one instrumentation for every engine is the point.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
