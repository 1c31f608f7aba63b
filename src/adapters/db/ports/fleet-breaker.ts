/** A fleet's breaker: opened when incidents cluster, it keeps every chip of the fleet from starting conversations. */
export interface FleetBreakerPort {
  /** Opens a fleet's breaker; true when this call opened it. */
  tripFleetBreaker(input: { fleetId: string; reason: string; at: string }): Promise<boolean>;
  /** Closes one fleet's breaker, or every fleet's; how many were open. */
  closeFleetBreaker(input: { fleetId?: string }): Promise<number>;
  /** Whether the breaker of this fleet (or of this chip's fleet) is open. */
  fleetBreakerOpen(input: { fleetId?: string; chipId?: string }): Promise<boolean>;
}
