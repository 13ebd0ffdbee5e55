/**
 * Health of the store: the indicator, the probes of each backend, and the log of losing and regaining it.
 */
@NullMarked
package dev.kvstore.spring.health;

import org.jspecify.annotations.NullMarked;
