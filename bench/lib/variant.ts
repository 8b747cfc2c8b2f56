/** A method under test: `call()` returns a promise of 1. */
export interface Variant {
  name: string;
  call: () => Promise<unknown>;
  close?: () => unknown;
}
