// autocannon 9 ships no types; perfkit uses its programmatic API only in loadtest/closed.ts, which
// declares the small part it needs.
declare module 'autocannon';
