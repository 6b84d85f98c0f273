// The suite runs in Node, workerd and Chromium; it needs only this timer from the host, and no host's types.
declare function setTimeout(callback: (value?: unknown) => void, ms?: number): unknown;
