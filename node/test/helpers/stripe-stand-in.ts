/** The local stand-in of Stripe's HTTP API; it lives in src/testing so bench/money can start it too (what it covers: its file's header). */
export { type StripeStandIn, startStripeStandIn } from '../../src/testing/stripe-stand-in.js'

/** Config fields for a gateway whose bridge talks to the stand-in, with Checkout's way back to the gateway's own pages at `gw`. */
export function standInBilling (gw: string, stripeUrl: string, webhookSecret: string): Record<string, string> {
  return {
    stripeSecretKey: 'sk_test_standin',
    stripeWebhookSecret: webhookSecret,
    stripeApiBase: stripeUrl,
    billingSuccessUrl: `${gw}/billing/success`,
    billingCancelUrl: `${gw}/billing/cancel`
  }
}
