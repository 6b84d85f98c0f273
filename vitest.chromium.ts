import { playwright } from '@vitest/browser-playwright';

/**
 * The Playwright provider for vitest browser mode on Debian's Chromium, shared by the browser test lanes.
 * Never a downloaded browser (`playwright install` is not used). The flags keep Chromium from reaching for a
 * network this machine does not have, and from needing a sandbox as root. `contextOptions` (optional) are
 * Playwright's browser-context options, e.g. a window large enough that a tall test viewport is not scaled down.
 */
export function debianChromium(
  contextOptions?: Parameters<typeof playwright>[0] extends infer O ? (O extends { contextOptions?: infer C } ? C : never) : never,
) {
  return playwright({
    ...(contextOptions ? { contextOptions } : {}),
    launchOptions: {
      executablePath: process.env.LITEDAO_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  });
}
