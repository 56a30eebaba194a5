/**
 * Sender-login binding ({@code sender_login_maps}): the map files read into entries ({@link
 * io.github.relaypolicy.core.internal.login.LoginMaps}), and the compiled, immutable index that decides, without
 * allocating, whether an authenticated login may use a MAIL FROM address ({@link
 * io.github.relaypolicy.core.internal.login.SenderBinding}). Not API.
 */
@NullMarked
package io.github.relaypolicy.core.internal.login;

import org.jspecify.annotations.NullMarked;
