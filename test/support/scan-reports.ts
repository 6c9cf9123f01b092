/**
 * Vulnerability scan reports shaped as the scanners write them, for the unit, render and e2e tests
 * of the inspector's findings table: a Trivy JSON report (`trivy image --format json`), cut to a
 * few findings in an OS layer and an npm lock file.
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
