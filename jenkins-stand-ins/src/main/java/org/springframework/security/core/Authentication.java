package org.springframework.security.core;

import java.io.Serializable;
import java.security.Principal;

/** Only the type: the plugin passes authentications through, it never calls them. */
public interface Authentication extends Principal, Serializable {
}
