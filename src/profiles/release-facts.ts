// What is known of kernel releases that have no profile of their own: how each differs from the
// profile that answers for it (the nearest earlier code, profileForVersion() in index.ts), and what
// it keeps of that profile, each fact with where it was read. Said wherever such a release is asked for.

/** One fact about a release, and where it was read. */
export interface ReleaseFact {
  /** What the release does, in words that follow "known to differ:" or "as PROFILE does:". */
  what: string;
  /** The profile that models this behaviour, when one does. */
  modelledBy?: string;
  /** Where it was read: the source file and function, the package and version. */
  source: string;
}

/** A release without a profile of its own (major.minor), what differs from the profile that answers for it, and what does not. */
export interface ReleaseFacts {
  release: string;
  differs: readonly ReleaseFact[];
  same: readonly ReleaseFact[];
}

/**
 * Empty since 7.2 got its profile (linux-7.2.ts: what was listed here, no sparse buffer and every tail PTE
 * write-protected, are its features now). An entry goes here when a release between two profiles is read
 * and found to differ from the nearest earlier one; a release with its own profile has none.
 */
export const RELEASE_FACTS: readonly ReleaseFacts[] = [];

/** The facts of a release (major.minor), if any are known. */
export function releaseFacts(release: string): ReleaseFacts | undefined {
  return RELEASE_FACTS.find((f) => f.release === release);
}
