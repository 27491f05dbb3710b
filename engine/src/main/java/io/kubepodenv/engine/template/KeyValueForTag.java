package io.kubepodenv.engine.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code for} tag, extended so that {@code {% for k, v in someMap %}} iterates the map's entries, as in nunjucks
 * (which Preevy templates are written for) and as {@code someMap.items()} does in Jinja. Jinjava's own tag iterates a
 * map's values and so renders {@code k} and {@code v} empty there; every other form of the loop is left to it.
 */
final class KeyValueForTag extends ForTag {
    private static final long serialVersionUID = 1L;

    @Override
    public String renderForCollection(TagNode tagNode, JinjavaInterpreter interpreter, List<String> loopVars,
        Object collection) {
        if (loopVars.size() == 2 && collection instanceof Map<?, ?> map) {
            return super.renderForCollection(tagNode, interpreter, loopVars, new ArrayList<>(map.entrySet()));
        }
        return super.renderForCollection(tagNode, interpreter, loopVars, collection);
    }
}
