import { mountApp } from './app.ts';

const root = document.querySelector<HTMLElement>('#app');
// `?db=/other.db` opens another database file of the pool (the tests use it; the default is /notes.db).
const filename = new URLSearchParams(location.search).get('db') ?? undefined;
if (root) void mountApp(root, { filename });
