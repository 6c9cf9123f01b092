// The house rules for imports in src/, checked in CI (npm run lint:deps): no cycles, and every
// import goes down the layers, never up. docs/architecture.md draws the same layers.
//
// The registry core (src/core) is a library grouped by layer, lowest first; a layer may import the
// ones below it and never those above:
const CORE_LAYERS = [
  'text', //        untrusted and visible text
  'errors', //      errors.ts: the error type, its codes, what is worth trying again
  'oci', //         digests, manifests, media types, content targets, verifying streams
  'name', //        references, registry URLs, Docker Hub's names
  'net', //         addresses, CIDR, host:port
  'hosts', //       host directories (hosts.toml, certs.d), settings parsed once, resolve rules, the endpoint plan
  'credentials', // Docker and Podman logins, credential helpers, the resolver
  'transport', //   connections and TLS, response bodies, retries, redirects, Link, the URL policy
  'auth', //        challenges, scopes, tokens, the authorizer
  'registry', //    the session, the request router, the client, repositories, uploads, the API channel
  'providers', //   vendors' APIs: listing what a user can see, sign-in, what rows add (Docker Hub, GHCR, GitLab…)
  'layers', //      layer decoding and file listings
  'layout', //      OCI layouts, archives, artifact files
  'operations', //  the copy engine, pull, push
];
const corePath = (layer) => (layer === 'errors' ? '^src/core/errors\\.ts$' : `^src/core/${layer}/`);

const layerRules = CORE_LAYERS.flatMap((layer, i) =>
  CORE_LAYERS.slice(i + 1).map((higher) => ({
    name: `core-${layer}-not-up-to-${higher}`,
    comment: `src/core/${layer} is below ${higher}: it may not import it.`,
    severity: 'error',
    from: { path: corePath(layer) },
    to: { path: corePath(higher) },
  })),
);

// The extension, lowest first: core (the library) < shared (pure modules both sides of the webview
// boundary use) < common (host-side services) < views, editors, webviews (presentation, side by
// side) < commands < extension.ts. The inspector's browser app sees only its protocol, shared
// modules and the core's pure text module.
const only = (name, comment, from, allowed) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: '^src/', pathNot: allowed } });

module.exports = {
  forbidden: [
    { name: 'no-cycles', comment: 'Modules import each other in a circle: break it (a child carries what it needs by value).', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    { name: 'core-is-a-library', comment: 'src/core is a plain Node library: it imports nothing else of src and never vscode.', severity: 'error', from: { path: '^src/core/' }, to: { pathNot: '^src/core/|^node_modules/|^[a-z:]', dependencyTypesNot: ['core'] } },
    { name: 'core-no-vscode', comment: 'src/core never imports vscode.', severity: 'error', from: { path: '^src/core/' }, to: { path: '^vscode$|node_modules/@types/vscode/' } },
    ...layerRules,
    only('shared-is-pure', 'src/shared holds pure modules: it imports nothing else of src.', '^src/shared/', '^src/shared/'),
    only('common-below-presentation', 'src/common serves views, editors, webviews and commands: it imports only the core, shared modules and itself.', '^src/common/', '^src/(common|shared|core)/'),
    only('views-below-commands', 'src/views presents: it imports the core, shared and common modules, never commands, editors or webviews.', '^src/views/', '^src/(views|common|shared|core)/'),
    only('editors-below-commands', 'src/editors imports the core, shared and common modules only.', '^src/editors/', '^src/(editors|common|shared|core)/'),
    only('webview-host-below-commands', "The inspector's host side imports the core, shared and common modules and itself.", '^src/webviews/[^/]+/(?!app/)', '^src/(webviews|common|shared|core)/'),
    only('webview-app-is-the-browser', "A webview's browser app imports only its own app and protocol, shared modules and the core's pure text module.", '^src/webviews/([^/]+)/app/', '^src/(webviews/[^/]+/(app/|protocol\\.ts$)|shared/|core/text/visible-text\\.ts$)'),
    only('commands-below-activation', 'Commands never import the activation module.', '^src/commands/', '^src/(commands|views|editors|webviews|common|shared|core)/'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(out|dist)/' },
  },
};
