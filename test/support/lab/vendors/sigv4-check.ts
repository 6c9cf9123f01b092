// A server's side of AWS Signature Version 4, written from AWS's description of the signing
// process (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) independently of
// the client's library, so the ECR contract server checks signatures for real: the canonical
// request (method, URI with each segment encoded again, sorted query, the signed headers, the
// payload's SHA-256), the string to sign with the credential scope, the derived key, and the time.
// Checked against AWS's published suite (get-vanilla, get-vanilla-query-order-key-case) in
// test/lab/providers-ecr-gar.test.ts.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignedRequest {
  method: string;
  /** The path as sent (percent-encoded), without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SigV4Expectations {
  region: string;
  service: string;
  /** The secret for an access key id, or undefined for a key AWS does not know. */
  secretFor(accessKeyId: string): string | undefined;
  now?: number;
}

/** Why a request's signature fails, as AWS names it (the JSON 1.1 error type and message); undefined when it holds. */
export type SigV4Problem = {
  type: 'MissingAuthenticationTokenException' | 'UnrecognizedClientException' | 'InvalidSignatureException';
  message: string;
};

/** Checks a request's Authorization header; answers the access key id when the signature holds. */
export function checkSigV4(req: SignedRequest, expect: SigV4Expectations): { accessKeyId: string } | SigV4Problem {
  const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match) return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = match as unknown as string[];
  const secret = expect.secretFor(accessKeyId!);
  if (secret === undefined)
    return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (region !== expect.region || service !== expect.service)
    return {
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region and service (${expect.region}/${expect.service}).`,
    };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signedHeaders = signedHeaderList!.split(';');
  if (
    !/^\d{8}T\d{6}Z$/.test(amzDate) ||
    !amzDate.startsWith(day!) ||
    !signedHeaders.includes('host') ||
    !signedHeaders.includes('x-amz-date')
  )
    return { type: 'InvalidSignatureException', message: 'The request must sign host and x-amz-date, dated the credential scope’s day.' };
  const when = Date.UTC(
    +amzDate.slice(0, 4),
    +amzDate.slice(4, 6) - 1,
    +amzDate.slice(6, 8),
    +amzDate.slice(9, 11),
    +amzDate.slice(11, 13),
    +amzDate.slice(13, 15),
  );
  if (expect.now !== undefined && Math.abs(expect.now - when) > 5 * 60_000)
    return {
      type: 'InvalidSignatureException',
      message: `Signature expired: ${amzDate} is now earlier or later than the 5 minutes allowed.`,
    };
  const expected = sigV4Signature(req, { secret, day: day!, region: region!, service: service!, amzDate, signedHeaders });
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(signature!, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b))
    return {
      type: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    };
  return { accessKeyId: accessKeyId! };
}

/** The signature of a request over `signedHeaders` (lowercase names). */
export function sigV4Signature(
  req: SignedRequest,
  scope: { secret: string; day: string; region: string; service: string; amzDate: string; signedHeaders: string[] },
): string {
  const headerLines = [...scope.signedHeaders]
    .sort()
    .map((name) => {
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
      return `${name}:${String(value).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const canonicalRequest = [
    req.method,
    canonicalUri(req.path),
    canonicalQuery(req.query),
    headerLines,
    [...scope.signedHeaders].sort().join(';'),
    sha256(req.body),
  ].join('\n');
  const credentialScope = `${scope.day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', scope.amzDate, credentialScope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${scope.secret}`, scope.day);
  for (const part of [scope.region, scope.service, 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex');
}

/** Each segment decoded, then encoded twice as the non-S3 services sign it. */
function canonicalUri(path: string): string {
  return path
    .split('/')
    .map((segment) => awsEncode(awsEncode(decodeURIComponent(segment))))
    .join('/');
}

function canonicalQuery(query: URLSearchParams): string {
  return [...query.entries()]
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** RFC 3986 unreserved characters kept, everything else %XX in upper case. */
function awsEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
