/**
 * The API id of the cursors contract, in a module of its own so that the page can name it
 * without importing the contract's schemas: the page's client takes the contract's type only,
 * which keeps zod out of the browser bundle.
 */
export const CURSORS_API = { name: 'cursors', version: '1' } as const;
