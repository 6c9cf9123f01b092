/**
 * The registry client core: a plain Node library (no VS Code) used by the extension, the tests and
 * the benchmarks. Bundled on its own as `dist/core.js`, so the extension loads it only when a
 * registry is first contacted.
 */
export { CoreError, ParseError } from './errors';
export { RegistryError, type RegistryErrorDetail } from './registry-errors';
export { RegistryClient, type ListOptions, type PingResult } from './client';
export { type RegistryEndpoint, type RequestLogEntry, type RequestLogger } from './transport/connection';
export { HttpTransport, type OriginOptions } from './transport/http';
export { endpointFor, parseRegistryLocation, type EndpointOptions, type RegistryLocation } from './registry-url';
