/** A file the program places on a host, exactly as shipped. */
export interface HostFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  /** Octal mode, e.g. "0644"; keys and htpasswd "0600". install-files makes every file root:root. */
  mode: string;
  /** Private keys, htpasswd: the offline plan writes a placeholder line instead of the content. */
  secret: boolean;
  /**
   * The services that read this file on the host and the accounts they run as. Optional: a file without it is read by
   * root (systemd, the provisioning steps, the tools the timers run). The host access check (render/hostAccess.ts)
   * proves each reader can open the file through every parent directory.
   */
  readers?: readonly HostReader[];
  /**
   * Directories the shipped program creates when it runs on the host (e.g. registry-acme's state and webroot), with
   * the modes and owners it gives them and the services that read what it writes there.
   */
  creates?: readonly HostDirectory[];
}

/** A service and the Unix account it runs as (an account's group of the same name is its primary group). */
export interface HostReader {
  /** What reads, for messages: "nginx workers", "registry container". */
  service: string;
  user: string;
  /** Primary group; the access check also grants group access through it. */
  group: string;
}

/** A directory a shipped program creates on the host. */
export interface HostDirectory {
  path: string;
  /** Octal mode, e.g. "0700" or "2750" (setgid: files created in it take its group). */
  mode: string;
  owner: string;
  group: string;
  /** Services that must reach this directory and read the files the program writes there. */
  readers?: readonly HostReader[];
  /** The mode of the files the program writes in it (what the access check assumes for them). */
  fileMode?: string;
}
