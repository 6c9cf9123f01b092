/**
 * Vulnerability scan reports shaped as the scanners write them, for the unit, render and e2e tests
 * of the inspector's findings table: a Trivy JSON report (`trivy image --format json`), cut to a
 * few findings in an OS layer and an npm lock file; and the SARIF that Trivy (`--format sarif`,
 * pkg/report/sarif.go) and Grype (`-o sarif`, grype/presenter/sarif) write for such an image; and an
 * OpenVEX document about it.
 */
/** A Trivy report of a Debian image with an npm app. */
export const TRIVY_REPORT = {
  SchemaVersion: 2,
  ArtifactName: 'registry.test/team/app:1',
  ArtifactType: 'container_image',
  Results: [
    {
      Target: 'registry.test/team/app:1 (debian 12.4)',
      Class: 'os-pkgs',
      Type: 'debian',
      Vulnerabilities: [
        {
          VulnerabilityID: 'CVE-2023-5678',
          PkgName: 'libssl3',
          InstalledVersion: '3.0.11-1~deb12u2',
          FixedVersion: '3.0.13-1~deb12u1',
          Severity: 'MEDIUM',
          Title: 'openssl: Generating excessively long X9.42 DH keys',
        },
        {
          VulnerabilityID: 'CVE-2024-2961',
          PkgName: 'libc6',
          InstalledVersion: '2.36-9+deb12u4',
          FixedVersion: '2.36-9+deb12u7',
          Severity: 'HIGH',
          Title: 'glibc: Out of bounds write in iconv',
        },
        { VulnerabilityID: 'CVE-2011-3374', PkgName: 'apt', InstalledVersion: '2.6.1', Severity: 'LOW' },
      ],
    },
    {
      Target: 'app/package-lock.json',
      Class: 'lang-pkgs',
      Type: 'npm',
      Vulnerabilities: [
        { VulnerabilityID: 'GHSA-3h5v-q93c-6h6q', PkgName: 'ws', InstalledVersion: '8.11.0', FixedVersion: '8.17.1', Severity: 'CRITICAL' },
      ],
    },
    { Target: 'Java', Class: 'lang-pkgs' },
  ],
};

/** The next build's Trivy report: libc6 fixed, ws still vulnerable at a newer version, a new critical in curl. */
export const TRIVY_NEXT_REPORT = {
  ...TRIVY_REPORT,
  Results: [
    {
      ...TRIVY_REPORT.Results[0],
      Vulnerabilities: [
        ...TRIVY_REPORT.Results[0]!.Vulnerabilities!.filter((v) => v.PkgName !== 'libc6'),
        { VulnerabilityID: 'CVE-2024-9999', PkgName: 'curl', InstalledVersion: '7.88.1', Severity: 'CRITICAL', Title: 'curl: new' },
      ],
    },
    { ...TRIVY_REPORT.Results[1], Vulnerabilities: [{ ...TRIVY_REPORT.Results[1]!.Vulnerabilities![0]!, InstalledVersion: '8.13.0' }] },
  ],
};

/** cosign's vuln predicate around a scanner's report, as `trivy image --format cosign-vuln` writes it. */
export function cosignVulnPredicate(report: unknown): Record<string, unknown> {
  return {
    invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
    scanner: {
      uri: 'pkg:github/aquasecurity/trivy@v0.50.1',
      version: '0.50.1',
      db: { uri: 'pkg:github/aquasecurity/trivy-db', version: '2' },
      result: report,
    },
    metadata: { scanStartedOn: '2026-12-05T05:00:00Z', scanFinishedOn: '2026-12-05T05:00:09Z' },
  };
}

const SARIF_SCHEMA = 'https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json';

/** A rule as Trivy writes one per advisory: the title, the severity word in its tags, a CVSS score as security-severity. */
function trivyRule(id: string, severity: string, score: string, title: string, pkg: string, fixed: string) {
  const link = `https://avd.aquasec.com/nvd/${id.toLowerCase()}`;
  return {
    id,
    name: id.startsWith('GHSA') ? 'LanguageSpecificPackageVulnerability' : 'OsPackageVulnerability',
    shortDescription: { text: title },
    fullDescription: { text: `${title}.` },
    defaultConfiguration: { level: severity === 'CRITICAL' || severity === 'HIGH' ? 'error' : severity === 'MEDIUM' ? 'warning' : 'note' },
    helpUri: link,
    help: {
      text: `Vulnerability ${id}\nSeverity: ${severity}\nPackage: ${pkg}\nFixed Version: ${fixed}\nLink: [${id}](${link})\n${title}.`,
      markdown: `**Vulnerability ${id}**\n| Severity | Package | Fixed Version | Link |\n| --- | --- | --- | --- |\n|${severity}|${pkg}|${fixed}|[${id}](${link})|\n\n${title}.`,
    },
    properties: { precision: 'very-high', 'security-severity': score, tags: ['vulnerability', 'security', severity] },
  };
}

/** A result as Trivy writes one per advisory, package and place: the labelled lines in its message. */
function trivyResult(ruleIndex: number, id: string, severity: string, pkg: string, installed: string, fixed: string, uri: string) {
  return {
    ruleId: id,
    ruleIndex,
    level: severity === 'CRITICAL' || severity === 'HIGH' ? 'error' : severity === 'MEDIUM' ? 'warning' : 'note',
    message: {
      text: `Package: ${pkg}\nInstalled Version: ${installed}\nVulnerability ${id}\nSeverity: ${severity}\nFixed Version: ${fixed}\nLink: [${id}](https://avd.aquasec.com/nvd/${id.toLowerCase()})`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri, uriBaseId: 'ROOTPATH' },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
        },
        message: { text: `${uri}: ${pkg}@${installed}` },
      },
    ],
  };
}

/**
 * `trivy image --format sarif` of the image {@link TRIVY_REPORT} scans, with its secret scan on:
 * the advisory shared by libc6 and libc-bin is one rule, ws is found in two lock files (two
 * results, one finding), and the secret is a result too, though no vulnerability.
 */
export const TRIVY_SARIF_REPORT = {
  version: '2.1.0',
  $schema: SARIF_SCHEMA,
  runs: [
    {
      tool: {
        driver: {
          fullName: 'Trivy Vulnerability Scanner',
          informationUri: 'https://github.com/aquasecurity/trivy',
          name: 'Trivy',
          rules: [
            trivyRule(
              'CVE-2023-5678',
              'MEDIUM',
              '5.3',
              'openssl: Generating excessively long X9.42 DH keys',
              'libssl3',
              '3.0.13-1~deb12u1',
            ),
            trivyRule('CVE-2024-2961', 'HIGH', '7.3', 'glibc: Out of bounds write in iconv', 'libc6', '2.36-9+deb12u7'),
            trivyRule('CVE-2011-3374', 'LOW', '3.7', 'apt: does not validate the keyring', 'apt', ''),
            // Trivy's severity comes from the advisory's vendor; security-severity from a CVSS score (a High one here).
            trivyRule('GHSA-3h5v-q93c-6h6q', 'CRITICAL', '7.5', 'ws: denial of service with many HTTP headers', 'ws', '8.17.1'),
            {
              id: 'aws-access-key-id',
              name: 'Secret',
              shortDescription: { text: 'AWS Access Key ID' },
              fullDescription: { text: 'AWS_ACCESS_KEY_ID="********************"' },
              defaultConfiguration: { level: 'error' },
              helpUri: 'https://github.com/aquasecurity/trivy/blob/main/pkg/fanal/secret/builtin-rules.go',
              help: { text: 'Secret AWS Access Key ID\nSeverity: CRITICAL\nMatch: AWS_ACCESS_KEY_ID="********************"' },
              properties: { precision: 'very-high', 'security-severity': '9.5', tags: ['secret', 'security', 'CRITICAL'] },
            },
          ],
          version: '0.50.1',
        },
      },
      results: [
        trivyResult(0, 'CVE-2023-5678', 'MEDIUM', 'libssl3', '3.0.11-1~deb12u2', '3.0.13-1~deb12u1', 'team/app'),
        trivyResult(1, 'CVE-2024-2961', 'HIGH', 'libc6', '2.36-9+deb12u4', '2.36-9+deb12u7', 'team/app'),
        trivyResult(1, 'CVE-2024-2961', 'HIGH', 'libc-bin', '2.36-9+deb12u4', '', 'team/app'),
        trivyResult(2, 'CVE-2011-3374', 'LOW', 'apt', '2.6.1', '', 'team/app'),
        trivyResult(3, 'GHSA-3h5v-q93c-6h6q', 'CRITICAL', 'ws', '8.11.0', '8.17.1', 'app/package-lock.json'),
        trivyResult(3, 'GHSA-3h5v-q93c-6h6q', 'CRITICAL', 'ws', '8.11.0', '8.17.1', 'app/worker/package-lock.json'),
        {
          ruleId: 'aws-access-key-id',
          ruleIndex: 4,
          level: 'error',
          message: {
            text: 'Artifact: app/.env\nType: \nSecret AWS Access Key ID\nSeverity: CRITICAL\nMatch: AWS_ACCESS_KEY_ID="********************"',
          },
          locations: [
            { physicalLocation: { artifactLocation: { uri: 'app/.env', uriBaseId: 'ROOTPATH' } }, message: { text: 'app/.env' } },
          ],
        },
      ],
      columnKind: 'utf16CodeUnits',
      properties: {
        imageName: 'registry.test/team/app:1',
        repoDigests: [],
        repoTags: ['registry.test/team/app:1'],
      },
    },
  ],
};

/** A rule as Grype writes one per advisory and package name: generated descriptions, the facts in its help, no tags. */
function grypeRule(
  id: string,
  pkg: string,
  severity: string,
  score: string,
  version: string,
  fixed: string,
  type: string,
  description?: string,
) {
  return {
    id: `${id}-${pkg}`,
    name: type === 'npm' ? 'JavascriptMatcherExactDirectMatch' : 'DpkgMatcherExactDirectMatch',
    shortDescription: { text: `${id} ${severity} vulnerability for ${pkg} package` },
    fullDescription: {
      text:
        description ??
        (fixed !== ''
          ? `Version ${version} is affected with an available fix in versions ${fixed}`
          : `Version ${version} is affected with no fixes reported yet.`),
    },
    helpUri: `https://nvd.nist.gov/vuln/detail/${id}`,
    help: {
      text: `Vulnerability ${id}\nSeverity: ${severity}\nPackage: ${pkg}\nVersion: ${version}\nFix Version: ${fixed}\nType: ${type}\nLocation: /var/lib/dpkg/status\nData Namespace: debian:distro:debian:12\nLink: [${id}](https://nvd.nist.gov/vuln/detail/${id})`,
      markdown: `**Vulnerability ${id}**\n| Severity | Package | Version | Fix Version | Type |\n| --- | --- | --- | --- | --- |\n| ${severity}  | ${pkg}  | ${version}  | ${fixed}  | ${type}  |\n`,
    },
    properties: { purls: [`pkg:${type}/${pkg}@${version}`], 'security-severity': score },
  };
}

/** A result as Grype writes one per match: the package and version in a sentence, no rule index. */
function grypeResult(id: string, pkg: string, severity: string, version: string, type: string, path: string) {
  return {
    ruleId: `${id}-${pkg}`,
    level: severity === 'critical' || severity === 'high' ? 'error' : severity === 'medium' ? 'warning' : 'note',
    message: {
      text: `A ${severity} vulnerability in ${type} package: ${pkg}, version ${version} was found in image registry.test/team/app:1 at: ${path}`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: `app${path}` },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
        },
        logicalLocations: [{ name: path, fullyQualifiedName: `registry.test/team/app:1@sha256:00:${path}` }],
      },
    ],
    partialFingerprints: { primaryLocationLineHash: '0f3c:1' },
  };
}

/**
 * `grype -o sarif` of the same image: ws at two versions shares one rule (whose help gives the first
 * version's fix), and tar's negligible finding is written "low" with a security-severity of 0.0.
 */
/**
 * Trivy's JSON for an image with lodash in it: the flaw named by its CVE, as Trivy names a
 * language package's advisory when one has a CVE.
 */
export const TRIVY_LODASH_REPORT = {
  SchemaVersion: 2,
  CreatedAt: '2026-12-05T05:00:00Z',
  ArtifactName: 'r.test/app:1',
  Results: [
    {
      Target: 'r.test/app:1 (debian 12.5)',
      Vulnerabilities: [{ VulnerabilityID: 'CVE-2024-2961', PkgName: 'libc6', InstalledVersion: '2.36-9+deb12u4', Severity: 'HIGH' }],
    },
    {
      Target: 'Node.js',
      Vulnerabilities: [
        {
          VulnerabilityID: 'CVE-2019-10744',
          PkgName: 'lodash',
          InstalledVersion: '4.17.11',
          FixedVersion: '4.17.12',
          Severity: 'CRITICAL',
        },
      ],
    },
  ],
};

/**
 * Grype's JSON for the same image: lodash's flaw named by its GitHub advisory with the CVE among
 * its related vulnerabilities (and found at two versions, two copies of lodash), libc6's by its CVE.
 */
export const GRYPE_LODASH_REPORT = {
  matches: [
    {
      vulnerability: { id: 'CVE-2024-2961', severity: 'High', namespace: 'debian:distro:debian:12' },
      relatedVulnerabilities: [{ id: 'CVE-2024-2961', namespace: 'nvd:cpe' }],
      artifact: { name: 'libc6', version: '2.36-9+deb12u4', type: 'deb' },
    },
    ...['4.17.11', '4.17.15'].map((version) => ({
      vulnerability: {
        id: 'GHSA-jf85-cpcp-j695',
        severity: 'Critical',
        namespace: 'github:language:javascript',
        fix: { versions: ['4.17.12'] },
      },
      relatedVulnerabilities: [{ id: 'CVE-2019-10744', namespace: 'nvd:cpe' }],
      artifact: { name: 'lodash', version, type: 'npm' },
    })),
  ],
  source: { type: 'image', target: { userInput: 'r.test/app:1' } },
  descriptor: { name: 'grype', version: '0.79.0', timestamp: '2026-12-05T05:10:00Z' },
};

export const GRYPE_SARIF_REPORT = {
  version: '2.1.0',
  $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
  runs: [
    {
      tool: {
        driver: {
          name: 'grype',
          version: '0.74.0',
          informationUri: 'https://github.com/anchore/grype',
          rules: [
            grypeRule(
              'CVE-2024-2961',
              'libc6',
              'high',
              '8.8',
              '2.36-9+deb12u4',
              '2.36-9+deb12u7',
              'deb',
              'glibc: iconv() can overflow its output buffer',
            ),
            grypeRule('CVE-2005-2541', 'tar', 'low', '0.0', '1.34+dfsg-1.2', '', 'deb'),
            grypeRule('GHSA-3h5v-q93c-6h6q', 'ws', 'high', '7.5', '8.11.0', '8.17.1', 'npm'),
          ],
        },
      },
      results: [
        grypeResult('CVE-2024-2961', 'libc6', 'high', '2.36-9+deb12u4', 'deb', '/var/lib/dpkg/status'),
        grypeResult('CVE-2005-2541', 'tar', 'low', '1.34+dfsg-1.2', 'deb', '/var/lib/dpkg/status'),
        grypeResult('GHSA-3h5v-q93c-6h6q', 'ws', 'high', '8.11.0', 'npm', '/app/package-lock.json'),
        grypeResult('GHSA-3h5v-q93c-6h6q', 'ws', 'high', '7.5.9', 'npm', '/app/legacy/package-lock.json'),
      ],
    },
  ],
};

/**
 * An OpenVEX v0.2 document about the Trivy report's image (`vexctl create`, as `vexctl attest` and
 * `oras attach --artifact-type application/vnd.openvex+json` hang it on the image): one statement
 * of each status, in the shapes the spec allows (subcomponents under a product, an alias, a
 * statement with its own time).
 */
export const OPENVEX_DOCUMENT = {
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://openvex.dev/docs/public/vex-0f3be8817faafa24e4bfb3d17eaf619efb1fe54923b9c42c57b156a936b91431',
  author: 'Team App <security@example.test>',
  timestamp: '2026-11-01T00:00:00Z',
  version: 1,
  statements: [
    {
      vulnerability: { name: 'CVE-2024-2961', aliases: ['GHSA-xxxx-2961'] },
      products: [
        {
          '@id': 'pkg:oci/app@sha256%3A0123?repository_url=registry.test/team/app',
          subcomponents: [{ '@id': 'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64' }],
        },
      ],
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      impact_statement: 'The app never calls iconv() with ISO-2022-CN-EXT.',
    },
    {
      vulnerability: { name: 'CVE-2011-3374' },
      products: [{ '@id': 'pkg:oci/app@sha256%3A0123?repository_url=registry.test/team/app' }],
      status: 'affected',
      action_statement: 'Remove apt from the final stage.',
    },
    {
      vulnerability: { name: 'GHSA-3h5v-q93c-6h6q' },
      products: [
        {
          '@id': 'pkg:oci/app@sha256%3A0123?repository_url=registry.test/team/app',
          subcomponents: [{ '@id': 'pkg:npm/ws@8.11.0' }],
        },
      ],
      status: 'fixed',
      timestamp: '2026-11-03T12:30:00Z',
    },
    {
      vulnerability: { name: 'CVE-2023-5678' },
      products: [{ '@id': 'pkg:oci/app@sha256%3A0123?repository_url=registry.test/team/app' }],
      status: 'under_investigation',
    },
  ],
};
