/** The two ways an import stops before it looks at the rows. */
/** A problem with the file as a whole (not readable, no header …), reported at a line. */
export class FileProblem extends Error {
  constructor(readonly line: number, message: string) {
    super(message)
  }
}

/** A problem that stops the import before the file is looked at: unknown school, no open year. */
export class ImportSetupError extends Error {}
