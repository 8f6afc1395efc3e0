package dev.coordinator.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command inventory that policy tests and the boundary tests derive from. */
class CommandsTest {

  @Test
  void everyCommandHasAnActionAndNamesAreUnique() {
    List<Class<?>> all = Commands.all();
    assertFalse(all.isEmpty());
    all.forEach(type -> assertNotNull(type.getAnnotation(Action.class), type + " has no @Action"));
    List<String> names = Commands.actionNames().toList();
    assertEquals(names.size(), names.stream().distinct().count(), "action names are unique: " + names);
  }

  @Test
  void mutationsAreTheMutatingCommandsOfTheFamilies() {
    List<Class<?>> mutations = Commands.mutations();
    assertFalse(mutations.isEmpty());
    assertTrue(Commands.all().containsAll(mutations));
    mutations.forEach(type -> assertTrue(type.getAnnotation(Action.class).mutates()));
    Commands.all().stream().filter(type -> !mutations.contains(type))
        .forEach(type -> assertFalse(type.getAnnotation(Action.class).mutates()));
  }

  @Test
  void everyFamilyIsARecordFamilyWithADomainAddress() {
    for (Class<? extends Command> family : Commands.FAMILIES) {
      assertTrue(family.isSealed(), family + " is sealed");
      for (Class<?> type : family.getPermittedSubclasses()) {
        assertTrue(type.isRecord(), type + " is a record");
        assertNotNull(Commands.kindOf(type), type + " has a resource kind");
      }
    }
  }
}
