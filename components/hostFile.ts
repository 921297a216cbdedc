/** A file the program places on a host, exactly as shipped. */
export interface HostFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  /** Octal mode, e.g. "0644"; keys and htpasswd "0600". */
  mode: string;
  /** Private keys, htpasswd: the offline plan writes a placeholder line instead of the content. */
  secret: boolean;
}
