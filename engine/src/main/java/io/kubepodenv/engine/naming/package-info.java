/** Names and label values derived from environment keys, shortened and sanitised to Kubernetes' rules. */
package io.kubepodenv.engine.naming;
