import type { Page } from 'playwright-core';

/** Who a page is, in which session, and when it was welcomed (wall clock, ms). */
export interface Welcomed {
  readonly visitor: string;
  readonly colour: string;
  readonly session: string;
  readonly at: number;
}

/** Waits until the page is welcomed in a session other than `previous`'s. */
export async function welcomed(page: Page, previous?: Welcomed): Promise<Welcomed> {
  const handle = await page.waitForFunction(
    (previousSession) => {
      const { state, visitor, colour, session, welcomedAt } = (document.getElementById('status') as HTMLElement)
        .dataset;
      return state === 'connected' && visitor && session && session !== previousSession
        ? { visitor, colour, session, at: Number(welcomedAt) }
        : false;
    },
    previous?.session,
    // Background pages draw no frames: poll on a timer instead.
    { polling: 50 },
  );
  return (await handle.jsonValue()) as Welcomed;
}

/** Waits until the page shows `count` visitors here, and says whether it shows the alone-hint. */
export async function presence(page: Page, count: number): Promise<{ text: string; hint: string | undefined }> {
  await page.waitForFunction((count) => document.getElementById('count')?.dataset.count === String(count), count, {
    polling: 50,
  });
  return page.evaluate(() => {
    const hint = document.getElementById('hint') as HTMLElement;
    return {
      text: document.getElementById('count')?.textContent ?? '',
      hint: hint.hidden ? undefined : (hint.textContent ?? '').replace(/\s+/g, ' ').trim(),
    };
  });
}

/** Waits until `page` draws the cursor of `visitor` with its tip within 2 px of (x, y). */
export async function cursorAt(page: Page, visitor: string, x: number, y: number): Promise<void> {
  await page.waitForFunction(
    ({ visitor, x, y }) => {
      const cursor = document.querySelector(`.cursor[data-visitor="${visitor}"]`);
      if (!cursor) return false;
      const box = cursor.getBoundingClientRect();
      return Math.abs(box.left - x) <= 2 && Math.abs(box.top - y) <= 2;
    },
    { visitor, x, y },
  );
}
