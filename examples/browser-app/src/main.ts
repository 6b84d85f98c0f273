import { mountApp } from './app.ts';

const root = document.querySelector<HTMLElement>('#app');
if (root) void mountApp(root);
