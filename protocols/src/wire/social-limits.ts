/**
 * The social layer's fixed sets and limits, apart from the schemas: a
 * browser page can show the reactions and enforce the lengths without
 * loading any schema or codec code (the chat's signing runs in a worker).
 */

/** The fixed reaction set. */
export const REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🔥', '👏', '🎉'] as const
export type Reaction = typeof REACTIONS[number]

/** Watched-seconds buckets of a view beacon: how far a viewer got, coarsely (privacy, and one beacon per bucket). */
export const VIEW_BUCKETS = [0, 10, 30, 60, 300, 600, 1800, 3600] as const

export const SOCIAL_TEXT_MAX = 500
export const SOCIAL_NAME_MAX = 32
/** A chat message's `tip`: a whole entitlement envelope (MAX_ENTITLEMENT_BYTES, 2048) in base64url. */
export const TIP_FIELD_MAX = 2731

/** Other keys a profile may list as the same person's devices (docs/specs/profile.md, "Devices"); here so a page can use it without the schema. */
export const PROFILE_DEVICES_MAX = 8
