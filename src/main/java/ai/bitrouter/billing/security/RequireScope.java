package ai.bitrouter.billing.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The OAuth scope a JAX-RS endpoint requires, e.g. {@code @RequireScope(Scopes.USAGE_READ)}. On a method it
 * overrides one on the class.
 *
 * <p>Enforced by {@link ScopeEnforcement} before the request body is read: no credential or a bad one is 401, a
 * caller (user token or API key) without the scope is 403 with the contract's exact text
 * {@code missing required scope: <scope>}. Implies authentication; it says nothing about which data the caller
 * may see: use {@link NamespaceAccess} for that, and {@code @RolesAllowed(Roles.BILLING_ADMIN)} for operators.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface RequireScope {
    String value();
}
