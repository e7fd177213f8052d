/**
 * Calls to Stripe's API and what its answers mean to the bridge: errors
 * mapped to ours, a missing object told apart, an event's object named.
 */
import { BadRequestError, isMhcError, PaymentProcessorError } from '@mhc/protocols'
import type Stripe from 'stripe'

/** The id of the object an event is about; for a dispute, its charge (what fulfilment fetches). */
export function objectOf (event: Stripe.Event): string {
  const object = event.data.object as { id?: unknown, object?: unknown, charge?: unknown }
  if (object.object === 'dispute') {
    const charge = object.charge as string | { id: string } | null | undefined
    return typeof charge === 'string' ? charge : charge?.id ?? ''
  }
  return typeof object.id === 'string' ? object.id : ''
}

/**
 * A call to Stripe's API (the SDK retries network errors itself). Stripe
 * refusing the parameters (400: an amount under its minimum, a currency it
 * does not take) is the caller's BadRequestError with Stripe's reason; any
 * other failure is PaymentProcessorError.
 */
export async function api<T> (call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (isMhcError(err)) throw err
    const { statusCode, type } = err as { statusCode?: unknown, type?: unknown }
    if (statusCode === 400 && type === 'StripeInvalidRequestError') throw new BadRequestError(`Stripe refused it: ${(err as Error).message}`, { cause: err })
    throw new PaymentProcessorError(`Stripe: ${(err as Error).message}`, { cause: err })
  }
}

/** Stripe answered 404: the object does not exist (for this key). */
export function isMissing (err: unknown): boolean {
  const cause = (err as { cause?: { statusCode?: unknown } }).cause
  return cause?.statusCode === 404
}
