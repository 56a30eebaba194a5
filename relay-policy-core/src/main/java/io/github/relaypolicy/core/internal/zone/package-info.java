/**
 * Local copies of DNS lists in rbldnsd data files (ip4set, ip4trie, ip6trie, dnset), loaded into immutable lookup
 * structures and reloaded when the file changes. Not API. Start at {@link
 * io.github.relaypolicy.core.internal.zone.LocalZone}.
 */
@NullMarked
package io.github.relaypolicy.core.internal.zone;

import org.jspecify.annotations.NullMarked;
