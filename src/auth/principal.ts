/** Who is calling (from the verified token) and on whose data (organization + selected project). */
export interface Principal {
  userId: string;
  organizationId: string;
  /** project ids the token may use; '*' means every project of the organization */
  projects: readonly string[];
  /** when the token stops being valid */
  expiresAt: Date;
}

export interface Tenant {
  organizationId: string;
  projectId: string;
}

export interface Actor {
  userId: string;
}
