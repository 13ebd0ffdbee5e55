/**
 * Runtime hints for native images (AOT).
 */
@NullMarked
package dev.kvstore.spring.aot;

import org.jspecify.annotations.NullMarked;
