/** The tree's tag order lives in src/shared/tag-order.ts (the editor features use it too); the views import it from here. */
export * from '../shared/tag-order';
