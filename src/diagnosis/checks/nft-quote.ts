// nft joins its argv and parses it as nft syntax, so names go in double quotes. A name that
// contains a quote or backslash could escape them: refuse it rather than build a command.
export function nftQuote(name: string): string {
  if (/["\\]/.test(name)) throw new Error(`cannot quote ${JSON.stringify(name)} for nft safely`);
  return `"${name}"`;
}
